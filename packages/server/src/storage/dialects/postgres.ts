import {
  type Dialect,
  PostgresAdapter,
  PostgresDriver,
  PostgresIntrospector,
  PostgresQueryCompiler,
} from 'kysely';
import pg from 'pg';
import {
  ConnectionFailed,
  InvalidDatabaseUrl,
  QueryFailed,
  StorageError,
  UniqueViolation,
} from '../errors.js';
import { uniqueConstraintByName } from '../schema.js';
import { type ErrorTranslator, GuardedDriver } from './guarded-driver.js';

const CONNECT_TIMEOUT_MS = 10_000;

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * The PostgreSQL dialect over a `pg.Pool`. The pool parses int8 (`bigint` timestamps,
 * `count(*)`) into numbers through its own `types`, leaving pg's global parsers alone for
 * whatever else shares the process.
 */
export function postgresDialect(databaseUrl: string): Dialect {
  const server = describeServer(databaseUrl);
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    types: { getTypeParser: getTypeParser as pg.CustomTypesConfig['getTypeParser'] },
  });
  // An idle client whose connection drops (server restart, pg_terminate_backend) is
  // emitted here; without a listener that would crash the process. The pool has already
  // discarded the client; the next query opens a new connection or reports the outage.
  pool.on('error', () => {});
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new GuardedDriver(new PostgresDriver({ pool }), postgresErrors(server)),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
}

function getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === pg.types.builtins.INT8 && format !== 'binary') return parseInt8;
  return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid);
}

function parseInt8(text: string): number {
  const value = Number(text);
  // Epoch milliseconds and row counts are far below 2^53; anything else is a bug, and a
  // silently rounded number would be worse than an error (pg rejects the query with it).
  if (!Number.isSafeInteger(value))
    throw new RangeError('int8 value exceeds the safe integer range');
  return value;
}

/** `host:port` (or the socket directory) for messages: never the user, password or query. */
function describeServer(databaseUrl: string): string {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    // Node's ERR_INVALID_URL keeps the input (password included) in `input`: no cause.
    throw new InvalidDatabaseUrl('database URL is not a valid postgres:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new InvalidDatabaseUrl('database URL must start with postgres:// or postgresql://');
  }
  const port = url.port || '5432';
  if (url.hostname) return `${url.hostname}:${port}`;
  return url.searchParams.get('host') ?? `localhost:${port}`;
}

/** SQLSTATE classes whose messages name objects, never data: 08 connection, 21 cardinality,
 * 23 integrity (the values are in `detail`, which is dropped), 25 transaction state,
 * 28 authorization, 3D catalog, 40 rollback, 42 syntax/access, 53–57 resources/operator.
 * Class 22 (data exception) is the one that quotes input, e.g.
 * `invalid input syntax for type bigint: "…"`; it and unknown classes get a generic text. */
const SAFE_MESSAGE_CLASSES = new Set([
  '08',
  '21',
  '23',
  '25',
  '28',
  '3D',
  '40',
  '42',
  '53',
  '54',
  '55',
  '57',
]);

const SYSTEM_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
};

/**
 * Why PostgreSQL errors lose their `cause`: pg's DatabaseError carries `detail`
 * ("Key (email)=(…) already exists", "Failing row contains (…)"), `where` and
 * `internalQuery`, all of which can hold row values, and a logger serializing `cause`
 * would print them. We copy only the SQLSTATE, constraint and table names. Socket errors
 * (ECONNREFUSED…) hold an address and port, never the URL's password; they keep `cause`.
 */
function postgresErrors(server: string): ErrorTranslator {
  return {
    connect(error) {
      if (error instanceof StorageError) return error;
      return new ConnectionFailed(
        `cannot connect to PostgreSQL at ${server}: ${connectionReason(error) ?? 'connection failed'}`,
        safeCause(error),
      );
    },
    query(error) {
      if (error instanceof StorageError) return error;
      if (error instanceof pg.DatabaseError) {
        const state = error.code ?? '';
        if (state === '23505') {
          const known = error.constraint ? uniqueConstraintByName(error.constraint) : undefined;
          return new UniqueViolation({
            constraint: error.constraint,
            table: error.table ?? known?.table,
            columns: known?.columns,
          });
        }
        if (isConnectionState(state)) {
          return new ConnectionFailed(
            `lost connection to PostgreSQL at ${server}: ${error.message}`,
          );
        }
        const message = SAFE_MESSAGE_CLASSES.has(state.slice(0, 2))
          ? `PostgreSQL: ${error.message} (SQLSTATE ${state})`
          : `PostgreSQL rejected the statement (SQLSTATE ${state})`;
        return new QueryFailed(message, state);
      }
      const reason = connectionReason(error);
      if (reason !== undefined && isConnectionError(error)) {
        return new ConnectionFailed(
          `lost connection to PostgreSQL at ${server}: ${reason}`,
          safeCause(error),
        );
      }
      if (error instanceof TypeError || error instanceof RangeError) return error;
      return new QueryFailed(`PostgreSQL query failed: ${reason ?? 'unknown error'}`);
    },
  };
}

function isConnectionState(state: string): boolean {
  return state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03';
}

function systemCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && code in SYSTEM_REASONS) return code;
  // Node 20 tries every address of a host name and reports an AggregateError.
  if (error instanceof AggregateError) return systemCode(error.errors[0]);
  return undefined;
}

function isConnectionError(error: unknown): boolean {
  if (systemCode(error) !== undefined) return true;
  return error instanceof Error && /^Connection terminated|timeout/i.test(error.message);
}

/** A short, password-free reason: pg's own text for server errors, fixed text otherwise. */
function connectionReason(error: unknown): string | undefined {
  const code = systemCode(error);
  if (code !== undefined) return SYSTEM_REASONS[code];
  if (error instanceof pg.DatabaseError) {
    const state = error.code ?? '';
    // 28P01 "password authentication failed for user …" names the user, not the password.
    return SAFE_MESSAGE_CLASSES.has(state.slice(0, 2)) ? error.message : `SQLSTATE ${state}`;
  }
  if (error instanceof Error) {
    if (/timeout/i.test(error.message)) return 'connection timed out';
    return error.message.split('\n')[0];
  }
  return undefined;
}

function safeCause(error: unknown): ErrorOptions | undefined {
  return systemCode(error) !== undefined ? { cause: error } : undefined;
}
