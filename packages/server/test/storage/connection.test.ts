import { describe, expect, it } from 'vitest';
import { ConnectionFailed, InvalidDatabaseUrl, openStore } from '../../src/storage/index.js';
import { testDatabases } from '../helpers/databases.js';

const PASSWORD = 'hunter2-S3cr3t';
const dataDir = '/nonexistent-unused-by-postgres';

/** Message, stack, own fields and causes: everything a log line could show. */
function everythingIn(error: unknown, seen = new Set<unknown>()): string {
  if (error === null || typeof error !== 'object' || seen.has(error)) return String(error);
  seen.add(error);
  return Object.getOwnPropertyNames(error)
    .map((name) => everythingIn((error as Record<string, unknown>)[name], seen))
    .join('\n');
}

async function failureOf(databaseUrl: string): Promise<Error> {
  try {
    const store = await openStore({ databaseUrl, dataDir });
    await store.close();
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected openStore to fail');
}

describe('PostgreSQL connection failures', () => {
  it('a refused connection is one clear line without the password', async () => {
    const error = await failureOf(`postgres://tessera:${PASSWORD}@127.0.0.1:1/tessera`);
    expect(error).toBeInstanceOf(ConnectionFailed);
    expect(error).toMatchObject({ code: 'ERR_STORAGE_CONNECTION' });
    expect(error.message).toBe('cannot connect to PostgreSQL at 127.0.0.1:1: connection refused');
    expect(everythingIn(error)).not.toContain(PASSWORD);
  });

  it('a host name that resolves to several addresses still gives one reason', async () => {
    const error = await failureOf(`postgresql://tessera:${PASSWORD}@localhost:1/tessera`);
    expect(error.message).toBe('cannot connect to PostgreSQL at localhost:1: connection refused');
    expect(everythingIn(error)).not.toContain(PASSWORD);
  });

  it('a malformed URL is refused without repeating it', async () => {
    const error = await failureOf(`postgres://tessera:${PASSWORD}@[::1/tessera`);
    expect(error).toBeInstanceOf(InvalidDatabaseUrl);
    expect(error).toMatchObject({ code: 'ERR_STORAGE_INVALID_URL' });
    expect(everythingIn(error)).not.toContain(PASSWORD);
  });

  it('a URL of another database kind is refused', async () => {
    const error = await failureOf(`mysql://tessera:${PASSWORD}@127.0.0.1/tessera`);
    expect(error).toBeInstanceOf(InvalidDatabaseUrl);
    expect(everythingIn(error)).not.toContain(PASSWORD);
  });

  const postgres = testDatabases.find((d) => d.name === 'postgres');
  it.runIf(postgres)('a missing database names the server, not the password', async () => {
    const created = await postgres?.create();
    if (!created?.databaseUrl) throw new Error('no PostgreSQL database');
    try {
      const url = new URL(created.databaseUrl);
      url.password = PASSWORD;
      url.pathname = '/tessera_test_missing';
      const error = await failureOf(url.toString());
      expect(error).toBeInstanceOf(ConnectionFailed);
      expect(error.message).toMatch(
        /^cannot connect to PostgreSQL at .+: database "tessera_test_missing" does not exist$/,
      );
      expect(everythingIn(error)).not.toContain(PASSWORD);
    } finally {
      await created.drop();
    }
  });
});
