import { type Kysely, sql } from 'kysely';

/**
 * The token vault, service clients and the audit log.
 *
 * - `vault_keys`: data keys, each wrapped (AES-256-GCM) by a key derived from the master
 *   key; one `active` at a time (a partial unique index, as for signing keys).
 * - `vault_tokens`: one row per token. `ciphertext` is an envelope under data key
 *   `key_version`, bound to token, type and owner; `lookup` is the keyed HMAC that finds a
 *   deterministic token (NULL otherwise; NULLs never collide in a UNIQUE constraint).
 *   Token strings of different types cannot look alike (digits, `+…`, `ddd-dd-dddd`,
 *   letters, `…@…`, `tok_…`), so the token alone is the key.
 * - `service_clients`: OAuth clients; only the SHA-256 of the secret is stored.
 * - `audit_log`: append-only, hash-chained by `seq`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('vault_keys')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('wrapped_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('vault_keys_pkey', ['version'])
    .addCheckConstraint('vault_keys_status_check', sql`status in ('active', 'retired')`)
    .execute();
  await db.schema
    .createIndex('vault_keys_one_active')
    .unique()
    .on('vault_keys')
    .column('status')
    .where(sql.ref('status'), '=', 'active')
    .execute();

  await db.schema
    .createTable('vault_tokens')
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('ciphertext', 'text', (c) => c.notNull())
    .addColumn('key_version', 'integer', (c) => c.notNull())
    .addColumn('lookup', 'text')
    .addColumn('masked', 'text', (c) => c.notNull())
    .addColumn('metadata', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addPrimaryKeyConstraint('vault_tokens_pkey', ['token'])
    .addUniqueConstraint('vault_tokens_lookup_key', ['lookup'])
    .execute();
  await db.schema
    .createIndex('vault_tokens_owner_idx')
    .on('vault_tokens')
    .columns(['owner', 'token'])
    .execute();
  await db.schema
    .createIndex('vault_tokens_expires_at_idx')
    .on('vault_tokens')
    .column('expires_at')
    .execute();
  await db.schema
    .createIndex('vault_tokens_key_version_idx')
    .on('vault_tokens')
    .column('key_version')
    .execute();

  await db.schema
    .createTable('service_clients')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('service_clients_pkey', ['id'])
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('target', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_log_pkey', ['seq'])
    .execute();
  await db.schema.createIndex('audit_log_action_idx').on('audit_log').column('action').execute();
  await db.schema.createIndex('audit_log_actor_idx').on('audit_log').column('actor').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_log').ifExists().execute();
  await db.schema.dropTable('service_clients').ifExists().execute();
  await db.schema.dropTable('vault_tokens').ifExists().execute();
  await db.schema.dropTable('vault_keys').ifExists().execute();
}
