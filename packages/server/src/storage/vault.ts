import type { Scope } from './scope.js';
import type { Millis, Store, VaultKeyRow, VaultTokenRow } from './types.js';

/** PostgreSQL binds at most 65535 parameters per statement: 10 columns × 1000 rows fits. */
const INSERT_CHUNK = 1000;

export function vaultKeysRepository(scope: Scope): Store['vaultKeys'] {
  return {
    async list() {
      return scope.db.selectFrom('vault_keys').selectAll().orderBy('version', 'asc').execute();
    },

    async rotate(wrap: (version: number) => string, now: Millis) {
      return scope.transact(async (tx) => {
        const top = await tx.db
          .selectFrom('vault_keys')
          .select((eb) => eb.fn.max('version').as('v'))
          .executeTakeFirst();
        const version = Number(top?.v ?? 0) + 1;
        await tx.db
          .updateTable('vault_keys')
          .set({ status: 'retired' })
          .where('status', '=', 'active')
          .execute();
        const row: VaultKeyRow = {
          version,
          wrapped_key: wrap(version),
          status: 'active',
          created_at: now,
        };
        // A concurrent rotation inserts the same version: the primary key refuses one.
        await tx.db.insertInto('vault_keys').values(row).execute();
        return row;
      });
    },
  };
}

export function vaultRepository(scope: Scope): Store['vault'] {
  const { db } = scope;
  return {
    async insertMany(rows: readonly VaultTokenRow[]) {
      const inserted = new Set<string>();
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = rows.slice(i, i + INSERT_CHUNK);
        // ON CONFLICT DO NOTHING without a target covers both the token and the lookup
        // constraint, on both dialects: a collision is skipped, never an error.
        const done = await db
          .insertInto('vault_tokens')
          .values(chunk.map((r) => ({ ...r })))
          .onConflict((oc) => oc.doNothing())
          .returning('token')
          .execute();
        for (const r of done) inserted.add(r.token);
      }
      return inserted;
    },

    async byToken(token: string) {
      return db
        .selectFrom('vault_tokens')
        .selectAll()
        .where('token', '=', token)
        .executeTakeFirst();
    },

    async byTokens(tokens: readonly string[]) {
      if (tokens.length === 0) return [];
      return db
        .selectFrom('vault_tokens')
        .selectAll()
        .where('token', 'in', [...tokens])
        .execute();
    },

    async byLookups(lookups: readonly string[]) {
      if (lookups.length === 0) return [];
      return db
        .selectFrom('vault_tokens')
        .selectAll()
        .where('lookup', 'in', [...lookups])
        .execute();
    },

    async list(query) {
      let q = db.selectFrom('vault_tokens').selectAll();
      if (query.owner !== undefined) q = q.where('owner', '=', query.owner);
      if (query.type !== undefined) q = q.where('type', '=', query.type);
      if (query.after !== undefined) q = q.where('token', '>', query.after);
      return q
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', query.now)]))
        .orderBy('token', 'asc')
        .limit(query.limit)
        .execute();
    },

    async delete(token: string) {
      const result = await db
        .deleteFrom('vault_tokens')
        .where('token', '=', token)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async purgeExpired(before: Millis) {
      const result = await db
        .deleteFrom('vault_tokens')
        .where('expires_at', 'is not', null)
        .where('expires_at', '<=', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async notOnKey(version: number, after: string | undefined, limit: number) {
      let q = db.selectFrom('vault_tokens').selectAll().where('key_version', '!=', version);
      if (after !== undefined) q = q.where('token', '>', after);
      return q.orderBy('token', 'asc').limit(limit).execute();
    },

    async rekey(token: string, fromVersion: number, toVersion: number, ciphertext: string) {
      const result = await db
        .updateTable('vault_tokens')
        .set({ key_version: toVersion, ciphertext })
        .where('token', '=', token)
        .where('key_version', '=', fromVersion)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async countByKey() {
      const rows = await db
        .selectFrom('vault_tokens')
        .select(['key_version', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('key_version')
        .orderBy('key_version', 'asc')
        .execute();
      return rows.map((r) => ({ version: Number(r.key_version), count: Number(r.n) }));
    },
  };
}
