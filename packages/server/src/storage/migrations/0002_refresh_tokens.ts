import type { Kysely } from 'kysely';

/**
 * Rotating refresh tokens and login throttling.
 *
 * - `sessions.rotated_at`: when the session's generation last moved on; a token of the
 *   previous generation presented within the reuse window of it is a concurrent refresh,
 *   after it a replay.
 * - `refresh_tokens`: SHA-256 of each token ever issued, with the session generation it
 *   belongs to. Rows live as long as their session, so a replayed old token is recognised
 *   (and ends the session) rather than merely unknown.
 * - `throttle`: fixed-window counters updated by one atomic upsert each.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('rotated_at', 'bigint').execute();

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('refresh_tokens_pkey', ['token_hash'])
    .addForeignKeyConstraint(
      'refresh_tokens_session_id_fkey',
      ['session_id'],
      'sessions',
      ['id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('refresh_tokens_session_id_idx')
    .on('refresh_tokens')
    .column('session_id')
    .execute();
  await db.schema
    .createIndex('sessions_expires_at_idx')
    .on('sessions')
    .column('expires_at')
    .execute();

  await db.schema
    .createTable('throttle')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('throttle_pkey', ['key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('throttle').ifExists().execute();
  await db.schema.dropTable('refresh_tokens').ifExists().execute();
  await db.schema.dropIndex('sessions_expires_at_idx').ifExists().execute();
  await db.schema.alterTable('sessions').dropColumn('rotated_at').execute();
}
