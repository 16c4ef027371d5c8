import { mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryCompiler,
  SqliteAdapter,
  SqliteDriver,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { ConnectionFailed, QueryFailed, StorageError, UniqueViolation } from '../errors.js';
import { uniqueConstraintByColumns, uniqueConstraintByName } from '../schema.js';
import { type ErrorTranslator, GuardedDriver } from './guarded-driver.js';

type SqliteError = InstanceType<typeof BetterSqlite3.SqliteError>;

export const SQLITE_FILE_NAME = 'tessera.db';

/**
 * The SQLite dialect: `tessera.db` in `dataDir` (both created if missing), WAL mode,
 * `synchronous=FULL` (a committed logout or rotation survives a power cut),
 * foreign keys on, and a 5 s busy timeout for other processes holding the write lock.
 */
export async function sqliteDialect(dataDir: string): Promise<Dialect> {
  let file: string;
  try {
    await mkdir(dataDir, { recursive: true });
    file = join(await realpath(dataDir), SQLITE_FILE_NAME);
  } catch (error) {
    throw new ConnectionFailed(`cannot open SQLite database in ${dataDir}: ${reasonOf(error)}`, {
      cause: error,
    });
  }
  return {
    createAdapter: () => new SqliteMigrationAdapter(),
    createDriver: () => new GuardedDriver(new SharedSqliteDriver(file), sqliteErrors(file)),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}

/**
 * SQLite does run DDL inside transactions; Kysely's adapter just does not claim it.
 * Claiming it makes the migrator run every pending migration in one transaction, and
 * since our transactions start with `BEGIN IMMEDIATE` (below), that transaction holds
 * the database's write lock from the moment it reads which migrations already ran: a
 * second process migrating at the same time waits, then finds nothing left to do.
 */
class SqliteMigrationAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

interface SharedConnection {
  driver: SqliteDriver;
  refs: number;
  ready: Promise<void>;
}

/**
 * One better-sqlite3 connection per database file per process, shared by every Store
 * opened on it. better-sqlite3 is synchronous: had two connections in one process
 * contended for the write lock, the waiting one would block the event loop in its busy
 * handler while the holder could never run to release it. Sharing one connection, whose
 * use Kysely serializes, avoids that; other processes are kept apart by SQLite's locks.
 */
const sharedConnections = new Map<string, SharedConnection>();

class SharedSqliteDriver implements Driver {
  readonly #file: string;
  #shared: SharedConnection | undefined;

  constructor(file: string) {
    this.#file = file;
  }

  async init(): Promise<void> {
    let shared = sharedConnections.get(this.#file);
    if (!shared) {
      const driver = new SqliteDriver({
        database: () => Promise.resolve(withStatementCache(openDatabase(this.#file))),
      });
      const entry: SharedConnection = { driver, refs: 0, ready: driver.init() };
      entry.ready.catch(() => {
        if (sharedConnections.get(this.#file) === entry) sharedConnections.delete(this.#file);
      });
      sharedConnections.set(this.#file, entry);
      shared = entry;
    }
    shared.refs += 1;
    this.#shared = shared;
    try {
      await shared.ready;
    } catch (error) {
      shared.refs -= 1;
      this.#shared = undefined;
      throw error;
    }
  }

  acquireConnection(): Promise<DatabaseConnection> {
    return this.#connection().driver.acquireConnection();
  }

  /**
   * `BEGIN IMMEDIATE` takes the write lock up front. A deferred `BEGIN` that reads and
   * then writes fails with SQLITE_BUSY (without waiting) when another process wrote in
   * between; taking the lock first makes the busy timeout apply instead.
   */
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#connection().driver.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#connection().driver.rollbackTransaction(connection);
  }

  savepoint(c: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    return this.#connection().driver.savepoint(c, name, compile);
  }

  rollbackToSavepoint(c: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    return this.#connection().driver.rollbackToSavepoint(c, name, compile);
  }

  releaseSavepoint(c: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) {
    return this.#connection().driver.releaseSavepoint(c, name, compile);
  }

  /** There is one shared connection: releasing it unlocks Kysely's mutex for the next user. */
  releaseConnection(_connection: DatabaseConnection): Promise<void> {
    return this.#connection().driver.releaseConnection();
  }

  async destroy(): Promise<void> {
    const shared = this.#shared;
    if (!shared) return;
    this.#shared = undefined;
    shared.refs -= 1;
    if (shared.refs > 0) return;
    if (sharedConnections.get(this.#file) === shared) sharedConnections.delete(this.#file);
    await shared.driver.destroy();
  }

  #connection(): SharedConnection {
    if (!this.#shared) throw new TypeError('the SQLite store is closed');
    return this.#shared;
  }
}

/**
 * Kysely prepares every statement anew; preparing costs more than running the
 * small indexed queries Tessera makes. Statements are cached by their SQL text
 * (bounded: the query shapes are few and fixed; values are always bound).
 */
function withStatementCache(db: BetterSqlite3.Database) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sql: string): BetterSqlite3.Statement {
      let statement = cache.get(sql);
      if (!statement) {
        statement = db.prepare(sql);
        if (cache.size >= 500) cache.delete(cache.keys().next().value as string);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

function openDatabase(file: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(file);
  try {
    // busy_timeout first: switching to WAL itself needs a lock another process may hold.
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Why SQLite errors keep their `cause` and message: better-sqlite3's errors carry only
 * `message` and `code`, and the message is sqlite3_errmsg() — it names tables, columns,
 * indexes and constraints, never a bound parameter, and every value we send is bound.
 * The rest (TypeError for an unbindable type, Kysely's driver errors) are fixed strings.
 */
function sqliteErrors(file: string): ErrorTranslator {
  return {
    connect(error) {
      if (error instanceof StorageError) return error;
      return new ConnectionFailed(`cannot open SQLite database at ${file}: ${reasonOf(error)}`, {
        cause: error,
      });
    },
    query(error) {
      if (error instanceof StorageError) return error;
      if (error instanceof BetterSqlite3.SqliteError) {
        if (
          error.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
          error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
        ) {
          return uniqueViolation(error);
        }
        return new QueryFailed(`SQLite: ${error.message}`, error.code, { cause: error });
      }
      if (error instanceof TypeError || error instanceof RangeError) return error;
      return new QueryFailed(`SQLite: ${reasonOf(error)}`, undefined, { cause: error });
    },
  };
}

/** "UNIQUE constraint failed: users.email" or "UNIQUE constraint failed: index 'name'". */
function uniqueViolation(error: SqliteError): UniqueViolation {
  const failed = /^UNIQUE constraint failed: (.+)$/.exec(error.message)?.[1] ?? '';
  const index = /^index '([^']+)'$/.exec(failed)?.[1];
  if (index !== undefined) {
    const known = uniqueConstraintByName(index);
    return new UniqueViolation(
      { constraint: index, table: known?.table, columns: known?.columns },
      { cause: error },
    );
  }
  const pairs = failed.split(', ').map((qualified) => qualified.split('.'));
  const table = pairs[0]?.[0];
  const columns = pairs.map((pair) => pair[1] ?? '');
  const known = table === undefined ? undefined : uniqueConstraintByColumns(table, columns);
  return new UniqueViolation({ constraint: known?.constraint, table, columns }, { cause: error });
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : 'unknown error';
}
