/**
 * The storage layer: SQLite or PostgreSQL behind the narrow `Store` interface. Nothing
 * here exposes Kysely or SQL; routes and services depend on these types only.
 */
export {
  ConnectionFailed,
  InvalidDatabaseUrl,
  MigrationFailed,
  NotFound,
  QueryFailed,
  StorageError,
  UniqueViolation,
  type UniqueViolationDetails,
} from './errors.js';
export { openStore } from './open.js';
export type {
  AuditQuery,
  AuditRow,
  KeyStatus,
  Millis,
  NewSession,
  NewUser,
  RefreshTokenRow,
  ServiceClientRow,
  SessionRow,
  SigningKeyRow,
  Store,
  StoreOptions,
  ThrottleState,
  UserPatch,
  UserRow,
  VaultKeyRow,
  VaultListQuery,
  VaultTokenRow,
} from './types.js';
