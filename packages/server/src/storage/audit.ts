import { sql } from 'kysely';
import type { Scope } from './scope.js';
import type { AuditRow, Store } from './types.js';

/** An arbitrary constant naming the audit log's advisory lock on PostgreSQL. */
const AUDIT_LOCK = 0x7e55e7a;

export function auditRepository(scope: Scope, dialect: Store['dialect']): Store['audit'] {
  return {
    async append(build: (tail: AuditRow | undefined) => AuditRow) {
      return scope.transact(async (tx) => {
        // Serialize appenders, so two rows never claim the same predecessor. SQLite's
        // transactions begin IMMEDIATE (the write lock is already ours); PostgreSQL needs
        // a lock of its own, since reading the tail takes none and the table may be empty.
        if (dialect === 'postgres') {
          await sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`.execute(tx.db);
        }
        const tail = await tx.db
          .selectFrom('audit_log')
          .selectAll()
          .orderBy('seq', 'desc')
          .limit(1)
          .executeTakeFirst();
        const row = build(tail);
        await tx.db.insertInto('audit_log').values(row).execute();
        return row;
      });
    },

    async list(query) {
      let q = scope.db.selectFrom('audit_log').selectAll();
      if (query.action !== undefined) q = q.where('action', '=', query.action);
      if (query.actor !== undefined) q = q.where('actor', '=', query.actor);
      if (query.target !== undefined) q = q.where('target', '=', query.target);
      if (query.since !== undefined) q = q.where('at', '>=', query.since);
      if (query.until !== undefined) q = q.where('at', '<', query.until);
      if (query.before !== undefined) q = q.where('seq', '<', query.before);
      return q.orderBy('seq', 'desc').limit(query.limit).execute();
    },

    async scan(afterSeq: number, limit: number) {
      return scope.db
        .selectFrom('audit_log')
        .selectAll()
        .where('seq', '>', afterSeq)
        .orderBy('seq', 'asc')
        .limit(limit)
        .execute();
    },
  };
}
