import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionFailed, openStore } from '../../src/storage/index.js';
import { MIGRATION_NAMES } from '../../src/storage/migrations/index.js';

// SQLite-only behaviour; everything both backends share is in conformance.test.ts.
describe('SQLite storage', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tessera-sqlite-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates the data dir and tessera.db in WAL mode', async () => {
    const dataDir = join(root, 'nested', 'data');
    const store = await openStore({ dataDir });
    expect(store.dialect).toBe('sqlite');
    await store.migrate();
    await store.close();
    const file = join(dataDir, 'tessera.db');
    expect(existsSync(file)).toBe(true);
    const raw = new BetterSqlite3(file, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('an empty databaseUrl means SQLite', async () => {
    const store = await openStore({ databaseUrl: '', dataDir: root });
    expect(store.dialect).toBe('sqlite');
    await store.close();
  });

  it('a data dir that cannot be created fails with ConnectionFailed', async () => {
    const blocker = join(root, 'a-file');
    await writeFile(blocker, 'not a directory');
    await expect(openStore({ dataDir: join(blocker, 'data') })).rejects.toBeInstanceOf(
      ConnectionFailed,
    );
  });

  it('a file that is not a database fails with ConnectionFailed', async () => {
    await writeFile(join(root, 'tessera.db'), 'x'.repeat(4096));
    const error = await openStore({ dataDir: root }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionFailed);
    expect(error).toMatchObject({ code: 'ERR_STORAGE_CONNECTION' });
  });

  it('waits for another process that holds the write lock, then migrates', async () => {
    const store = await openStore({ dataDir: root });
    try {
      const { exited } = await holdWriteLock(join(root, 'tessera.db'), 600);
      const started = Date.now();
      expect(await store.migrate()).toEqual(MIGRATION_NAMES);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(await exited).toBe(0);
    } finally {
      await store.close();
    }
  });
});

/**
 * Starts a separate process that takes SQLite's write lock on `file` and keeps it for
 * `ms`. Resolves once the lock is held, with a promise of the child's exit code.
 */
function holdWriteLock(file: string, ms: number): Promise<{ exited: Promise<number | null> }> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const script = `
    const Database = require(${JSON.stringify(driver)});
    const db = new Database(${JSON.stringify(file)});
    db.pragma('busy_timeout = 5000');
    db.exec('BEGIN IMMEDIATE');
    db.exec('CREATE TABLE lock_holder (x)');
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('ROLLBACK'); db.close(); }, ${ms});
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve({ exited });
    });
    void exited.then((code) => reject(new Error(`lock holder exited early (${code})`)));
  });
}
