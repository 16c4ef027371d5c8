import type { ColumnType } from 'kysely';
import type { KeyStatus } from './types.js';

/**
 * Kysely's view of the tables, private to `storage/`. Timestamps are `bigint` epoch
 * milliseconds, read back as numbers on both dialects (PostgreSQL through the pool's own
 * int8 parser). Booleans are written as 0/1: better-sqlite3 cannot bind `true`, and
 * PostgreSQL's `boolean` input accepts `'1'`/`'0'`; they read back as `true`/`false`
 * (PostgreSQL) or `1`/`0` (SQLite), which the repositories fold into a `boolean`.
 */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  signing_keys: SigningKeysTable;
  meta: MetaTable;
  refresh_tokens: RefreshTokensTable;
  throttle: ThrottleTable;
  vault_keys: VaultKeysTable;
  vault_tokens: VaultTokensTable;
  service_clients: ServiceClientsTable;
  audit_log: AuditLogTable;
}

export type DbBoolean = ColumnType<boolean | 0 | 1, 0 | 1, 0 | 1>;

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  name: string | null;
  phone_token: string | null;
  avatar_url: string | null;
  is_admin: DbBoolean;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: number;
  last_used_at: number;
  expires_at: number;
  revoked_at: number | null;
  user_agent: string | null;
  ip: string | null;
  generation: ColumnType<number, number | undefined, number>;
  rotated_at: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  status: KeyStatus;
  public_jwk: string | null;
  private_key: string;
  created_at: number;
  activated_at: number | null;
  retired_at: number | null;
  publish_until: number | null;
}

export interface RefreshTokensTable {
  token_hash: string;
  session_id: string;
  generation: number;
  created_at: number;
}

export interface ThrottleTable {
  key: string;
  count: number;
  window_start: number;
}

export interface VaultKeysTable {
  version: number;
  wrapped_key: string;
  status: 'active' | 'retired';
  created_at: number;
}

export interface VaultTokensTable {
  token: string;
  type: string;
  owner: string;
  ciphertext: string;
  key_version: number;
  lookup: string | null;
  masked: string;
  metadata: string | null;
  created_at: number;
  expires_at: number | null;
}

export interface ServiceClientsTable {
  id: string;
  name: string;
  secret_hash: string;
  scopes: string;
  created_at: number;
}

export interface AuditLogTable {
  seq: number;
  at: number;
  action: string;
  actor: string | null;
  target: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

export interface MetaTable {
  key: string;
  value: string;
}

export function toDbBoolean(value: boolean): 0 | 1 {
  return value ? 1 : 0;
}

export function fromDbBoolean(value: boolean | 0 | 1): boolean {
  return value === true || value === 1;
}

interface UniqueConstraint {
  constraint: string;
  table: string;
  columns: readonly string[];
}

/**
 * Every unique constraint, named explicitly in the migrations so PostgreSQL reports the
 * same names. SQLite's errors name only `table.column`, so both dialects are mapped back
 * to one of these and `UniqueViolation` reads the same on either.
 */
export const UNIQUE_CONSTRAINTS: readonly UniqueConstraint[] = [
  { constraint: 'users_pkey', table: 'users', columns: ['id'] },
  { constraint: 'users_email_key', table: 'users', columns: ['email'] },
  { constraint: 'sessions_pkey', table: 'sessions', columns: ['id'] },
  { constraint: 'signing_keys_pkey', table: 'signing_keys', columns: ['kid'] },
  { constraint: 'signing_keys_one_active', table: 'signing_keys', columns: ['status'] },
  { constraint: 'meta_pkey', table: 'meta', columns: ['key'] },
  { constraint: 'refresh_tokens_pkey', table: 'refresh_tokens', columns: ['token_hash'] },
  { constraint: 'throttle_pkey', table: 'throttle', columns: ['key'] },
  { constraint: 'vault_keys_pkey', table: 'vault_keys', columns: ['version'] },
  { constraint: 'vault_keys_one_active', table: 'vault_keys', columns: ['status'] },
  { constraint: 'vault_tokens_pkey', table: 'vault_tokens', columns: ['token'] },
  { constraint: 'vault_tokens_lookup_key', table: 'vault_tokens', columns: ['lookup'] },
  { constraint: 'service_clients_pkey', table: 'service_clients', columns: ['id'] },
  { constraint: 'audit_log_pkey', table: 'audit_log', columns: ['seq'] },
];

export function uniqueConstraintByName(name: string): UniqueConstraint | undefined {
  return UNIQUE_CONSTRAINTS.find((c) => c.constraint === name);
}

export function uniqueConstraintByColumns(
  table: string,
  columns: readonly string[],
): UniqueConstraint | undefined {
  return UNIQUE_CONSTRAINTS.find(
    (c) => c.table === table && c.columns.join(',') === columns.join(','),
  );
}
