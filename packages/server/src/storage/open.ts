import { Kysely } from 'kysely';
import { isPostgresUrl, postgresDialect } from './dialects/postgres.js';
import { sqliteDialect } from './dialects/sqlite.js';
import { InvalidDatabaseUrl } from './errors.js';
import type { Database } from './schema.js';
import { createStore } from './store.js';
import type { Store, StoreOptions } from './types.js';

/**
 * Opens the database and checks that it answers; does not migrate. PostgreSQL when
 * `databaseUrl` is a `postgres://` or `postgresql://` URL, otherwise SQLite in
 * `dataDir/tessera.db`. Rejects with a one-line `ConnectionFailed` (never quoting the
 * URL's password) when the database cannot be reached.
 *
 * @example
 * ```ts
 * const store = await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir: './data' });
 * await store.migrate();
 * const user = await store.users.byEmail('ada@example.com');
 * await store.close();
 * ```
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const { databaseUrl, dataDir } = options;
  if (typeof dataDir !== 'string' || dataDir === '') {
    throw new TypeError('openStore: dataDir must be a non-empty string');
  }
  let store: Store;
  if (databaseUrl === undefined || databaseUrl === '') {
    store = createStore('sqlite', new Kysely<Database>({ dialect: await sqliteDialect(dataDir) }));
  } else if (isPostgresUrl(databaseUrl)) {
    store = createStore(
      'postgres',
      new Kysely<Database>({ dialect: postgresDialect(databaseUrl) }),
    );
  } else {
    throw new InvalidDatabaseUrl('database URL must start with postgres:// or postgresql://');
  }
  try {
    await store.ping();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  return store;
}
