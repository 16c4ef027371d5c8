import { type Kysely, sql } from 'kysely';

/**
 * Users, sessions, signing keys and a key-value `meta` table.
 *
 * Portable DDL: the same statements run on SQLite and PostgreSQL. Ids are text,
 * timestamps are `bigint` epoch milliseconds, `is_admin` is `boolean` (SQLite stores 0/1).
 * Every constraint is named so both dialects report the same names (see `schema.ts`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('phone_token', 'text')
    .addColumn('avatar_url', 'text')
    .addColumn('is_admin', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('users_pkey', ['id'])
    .addUniqueConstraint('users_email_key', ['email'])
    .execute();

  await db.schema
    .createTable('sessions')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('user_agent', 'text')
    .addColumn('ip', 'text')
    .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('sessions_pkey', ['id'])
    .addForeignKeyConstraint('sessions_user_id_fkey', ['user_id'], 'users', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createIndex('sessions_user_id_idx')
    .ifNotExists()
    .on('sessions')
    .column('user_id')
    .execute();

  await db.schema
    .createTable('signing_keys')
    .ifNotExists()
    .addColumn('kid', 'text', (c) => c.notNull())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text')
    .addColumn('private_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('activated_at', 'bigint')
    .addColumn('retired_at', 'bigint')
    .addColumn('publish_until', 'bigint')
    .addPrimaryKeyConstraint('signing_keys_pkey', ['kid'])
    .addCheckConstraint('signing_keys_status_check', sql`status in ('next', 'active', 'retired')`)
    .execute();

  // At most one active key, enforced by the database rather than by the caller's care:
  // two processes rotating at once cannot both win.
  await db.schema
    .createIndex('signing_keys_one_active')
    .ifNotExists()
    .unique()
    .on('signing_keys')
    .column('status')
    .where(sql.ref('status'), '=', 'active')
    .execute();

  await db.schema
    .createTable('meta')
    .ifNotExists()
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('meta_pkey', ['key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('meta').ifExists().execute();
  await db.schema.dropTable('signing_keys').ifExists().execute();
  await db.schema.dropTable('sessions').ifExists().execute();
  await db.schema.dropTable('users').ifExists().execute();
}
