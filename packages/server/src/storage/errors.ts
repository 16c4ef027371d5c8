/**
 * Errors that leave `storage/`. Each has a stable `code`; none carries a value that was
 * bound into a query (emails, hashes, tokens…): see `dialects/*.ts` for how each driver's
 * errors are translated and why `cause` is kept for some and dropped for others.
 */
export class StorageError extends Error {
  static code = 'ERR_STORAGE';
  code = 'ERR_STORAGE';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = this.constructor.name;
  }
}

/** The database is unreachable or cannot be opened. */
export class ConnectionFailed extends StorageError {
  static override code = 'ERR_STORAGE_CONNECTION';
  override code = 'ERR_STORAGE_CONNECTION';
}

/** `databaseUrl` is not a usable PostgreSQL URL. The message never repeats the URL. */
export class InvalidDatabaseUrl extends StorageError {
  static override code = 'ERR_STORAGE_INVALID_URL';
  override code = 'ERR_STORAGE_INVALID_URL';
}

/** A statement failed for a reason other than a unique constraint or the connection. */
export class QueryFailed extends StorageError {
  static override code = 'ERR_STORAGE_QUERY';
  override code = 'ERR_STORAGE_QUERY';
  /** PostgreSQL SQLSTATE or SQLite extended result code, when known. */
  readonly driverCode: string | undefined;

  constructor(message: string, driverCode?: string, options?: ErrorOptions) {
    super(message, options);
    this.driverCode = driverCode;
  }
}

/** A row the operation needs does not exist (e.g. activating an unknown signing key). */
export class NotFound extends StorageError {
  static override code = 'ERR_STORAGE_NOT_FOUND';
  override code = 'ERR_STORAGE_NOT_FOUND';
}

/** A migration failed; the schema is left at the last migration that succeeded. */
export class MigrationFailed extends StorageError {
  static override code = 'ERR_STORAGE_MIGRATION';
  override code = 'ERR_STORAGE_MIGRATION';
  readonly migration: string | undefined;

  constructor(message: string, migration: string | undefined, options?: ErrorOptions) {
    super(message, options);
    this.migration = migration;
  }
}

export interface UniqueViolationDetails {
  /** Constraint or unique index name, the same on both dialects (see `schema.ts`). */
  constraint?: string | undefined;
  table?: string | undefined;
  columns?: readonly string[] | undefined;
}

/**
 * A unique or primary-key constraint refused a row: SQLite's
 * `SQLITE_CONSTRAINT_UNIQUE` / `SQLITE_CONSTRAINT_PRIMARYKEY`, PostgreSQL's `23505`.
 * Names the constraint and columns, never the values.
 */
export class UniqueViolation extends StorageError {
  static override code = 'ERR_STORAGE_UNIQUE';
  override code = 'ERR_STORAGE_UNIQUE';
  readonly constraint: string | undefined;
  readonly table: string | undefined;
  readonly columns: readonly string[] | undefined;

  constructor(details: UniqueViolationDetails, options?: ErrorOptions) {
    const where =
      details.table && details.columns ? ` on ${details.table}(${details.columns.join(', ')})` : '';
    super(`unique constraint ${details.constraint ?? '(unknown)'} violated${where}`, options);
    this.constraint = details.constraint;
    this.table = details.table;
    this.columns = details.columns;
  }
}
