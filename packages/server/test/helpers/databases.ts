/**
 * The databases every storage-backed test runs against: SQLite always, PostgreSQL when
 * `TESSERA_TEST_DATABASE_URL` points at a server whose user may create databases.
 *
 * @example
 * ```ts
 * describe.each(testDatabases)('$name', (database) => {
 *   it('works', async () => {
 *     const db = await database.create();
 *     const store = await openStore(db);
 *     // …
 *     await store.close();
 *     await db.drop();
 *   });
 * });
 * ```
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface CreatedDatabase {
  /** `undefined` for SQLite; a URL to a fresh database for PostgreSQL. */
  databaseUrl: string | undefined;
  /** A fresh temporary directory (holds `tessera.db` for SQLite). */
  dataDir: string;
  /** Removes the database and the directory. Idempotent. */
  drop(): Promise<void>;
}

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  /** fresh, empty, unmigrated database */
  create(): Promise<CreatedDatabase>;
}

const adminUrl = process.env.TESSERA_TEST_DATABASE_URL || undefined;
const ci = process.env.CI;
const inCi = ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';

if (adminUrl === undefined) {
  if (inCi) {
    // A PostgreSQL suite that silently skips in CI is a suite that silently rots.
    throw new Error(
      'TESSERA_TEST_DATABASE_URL is not set but CI is: the PostgreSQL suite must run in CI',
    );
  }
  console.warn(
    'TESSERA_TEST_DATABASE_URL is not set: the PostgreSQL suite is skipped (SQLite only)',
  );
}

async function makeDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tessera-test-'));
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}

const sqlite: TestDatabase = {
  name: 'sqlite',
  async create() {
    const dataDir = await makeDataDir();
    return {
      databaseUrl: undefined,
      dataDir,
      drop: once(() => rm(dataDir, { recursive: true, force: true })),
    };
  },
};

async function asAdmin(url: string, run: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}

function postgres(url: string): TestDatabase {
  return {
    name: 'postgres',
    async create() {
      // Random hex only, so the quoted identifier below cannot be anything else.
      const name = `tessera_test_${randomBytes(8).toString('hex')}`;
      await asAdmin(url, (client) => client.query(`CREATE DATABASE "${name}"`));
      const databaseUrl = new URL(url);
      databaseUrl.pathname = `/${name}`;
      const dataDir = await makeDataDir();
      return {
        databaseUrl: databaseUrl.toString(),
        dataDir,
        drop: once(async () => {
          await asAdmin(url, async (client) => {
            await client.query(
              'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
              [name],
            );
            await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
          });
          await rm(dataDir, { recursive: true, force: true });
        }),
      };
    },
  };
}

export const testDatabases: TestDatabase[] =
  adminUrl === undefined ? [sqlite] : [sqlite, postgres(adminUrl)];
