import type { Selectable } from 'kysely';
import type { SessionsTable } from './schema.js';
import type { Scope } from './scope.js';
import type { Millis, NewSession, SessionRow, Store } from './types.js';

export function sessionsRepository(scope: Scope): Store['sessions'] {
  const { db } = scope;
  return {
    async create(s: NewSession) {
      const row = await db
        .insertInto('sessions')
        .values({
          id: s.id,
          user_id: s.user_id,
          created_at: s.now,
          last_used_at: s.now,
          expires_at: s.expires_at,
          revoked_at: null,
          user_agent: s.user_agent,
          ip: s.ip,
          generation: 0,
          rotated_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toSessionRow(row);
    },

    async byId(id: string) {
      const row = await db
        .selectFrom('sessions')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toSessionRow(row);
    },

    async active(id: string, now: Millis) {
      const row = await db
        .selectFrom('sessions')
        .selectAll()
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row && toSessionRow(row);
    },

    async touch(id: string, now: Millis) {
      // Concurrent requests may finish out of order; last_used_at only moves forward.
      await db
        .updateTable('sessions')
        .set({ last_used_at: now })
        .where('id', '=', id)
        .where('last_used_at', '<', now)
        .execute();
    },

    async revoke(id: string, now: Millis) {
      // One conditional UPDATE, so two concurrent logouts cannot both report success.
      const result = await db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async listActive(userId: string, now: Millis) {
      const rows = await db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map(toSessionRow);
    },

    async rotate(id: string, fromGeneration: number, now: Millis) {
      // The compare-and-set on `generation` is what makes concurrent refreshes exact,
      // across processes too: the database serialises the UPDATEs, one matches.
      const row = await db
        .updateTable('sessions')
        .set((eb) => ({
          generation: eb('generation', '+', 1),
          rotated_at: now,
          last_used_at: now,
        }))
        .where('id', '=', id)
        .where('generation', '=', fromGeneration)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('generation')
        .executeTakeFirst();
      return row?.generation;
    },

    async revokeAll(userId: string, exceptId: string | null, now: Millis) {
      let query = db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now);
      if (exceptId !== null) query = query.where('id', '!=', exceptId);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async purgeEnded(before: Millis) {
      // Refresh tokens go with their session (ON DELETE CASCADE; SQLite enforces it
      // because the connection turns foreign_keys on). Delete them explicitly as well,
      // so the purge does not depend on that pragma.
      const ended = db
        .selectFrom('sessions')
        .select('id')
        .where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]));
      await db.deleteFrom('refresh_tokens').where('session_id', 'in', ended).execute();
      const result = await db
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toSessionRow(row: Selectable<SessionsTable>): SessionRow {
  return {
    id: row.id,
    user_id: row.user_id,
    created_at: row.created_at,
    last_used_at: row.last_used_at,
    expires_at: row.expires_at,
    revoked_at: row.revoked_at,
    user_agent: row.user_agent,
    ip: row.ip,
    generation: row.generation,
    rotated_at: row.rotated_at,
  };
}
