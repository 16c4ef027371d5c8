import type {
  CompiledQuery,
  DatabaseConnection,
  Driver,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';

/** How one dialect turns its driver's errors into errors that may leave `storage/`. */
export interface ErrorTranslator {
  /** Opening the database or acquiring a connection failed. */
  connect(error: unknown): Error;
  /** A statement failed (including begin/commit/rollback). */
  query(error: unknown): Error;
}

/**
 * Wraps a Kysely driver so that every error it raises passes through the dialect's
 * translator: the one place where driver errors (whose messages or fields may hold bound
 * values) become storage errors. Everything Kysely runs — repositories, transactions,
 * the migrator — goes through here, so nothing can bypass it.
 */
export class GuardedDriver implements Driver {
  readonly #inner: Driver;
  readonly #errors: ErrorTranslator;
  readonly #wrapped = new WeakMap<DatabaseConnection, GuardedConnection>();

  constructor(inner: Driver, errors: ErrorTranslator) {
    this.#inner = inner;
    this.#errors = errors;
  }

  async init(): Promise<void> {
    try {
      await this.#inner.init();
    } catch (error) {
      throw this.#errors.connect(error);
    }
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    let connection: DatabaseConnection;
    try {
      connection = await this.#inner.acquireConnection();
    } catch (error) {
      throw this.#errors.connect(error);
    }
    let guarded = this.#wrapped.get(connection);
    if (!guarded) {
      guarded = new GuardedConnection(connection, this.#errors);
      this.#wrapped.set(connection, guarded);
    }
    return guarded;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#guard(() => this.#inner.beginTransaction(unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#guard(() => this.#inner.commitTransaction(unwrap(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#guard(() => this.#inner.rollbackTransaction(unwrap(connection)));
  }

  savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.#guard(async () => {
      if (!this.#inner.savepoint) throw noSavepoints();
      await this.#inner.savepoint(unwrap(connection), name, compile);
    });
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.#guard(async () => {
      if (!this.#inner.rollbackToSavepoint) throw noSavepoints();
      await this.#inner.rollbackToSavepoint(unwrap(connection), name, compile);
    });
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.#guard(async () => {
      if (!this.#inner.releaseSavepoint) throw noSavepoints();
      await this.#inner.releaseSavepoint(unwrap(connection), name, compile);
    });
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }

  async #guard(run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      throw this.#errors.query(error);
    }
  }
}

function noSavepoints(): TypeError {
  return new TypeError('the database driver does not support savepoints');
}

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof GuardedConnection ? connection.inner : connection;
}

class GuardedConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection;
  readonly #errors: ErrorTranslator;

  constructor(inner: DatabaseConnection, errors: ErrorTranslator) {
    this.inner = inner;
    this.#errors = errors;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (error) {
      throw this.#errors.query(error);
    }
  }

  async *streamQuery<R>(
    query: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize);
    } catch (error) {
      throw this.#errors.query(error);
    }
  }
}
