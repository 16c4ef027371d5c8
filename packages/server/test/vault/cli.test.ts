import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type Context, createContext } from '../../src/context.js';
import { BIN, runCli } from '../helpers/cli.js';
import { type CreatedDatabase, testDatabases } from '../helpers/databases.js';

const CARDS = ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117'];

describe.each(testDatabases)('vault CLI on $name', (database) => {
  let db: CreatedDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await database.create();
    env = {
      TESSERA_DATA_DIR: db.dataDir,
      TESSERA_MASTER_KEY: randomBytes(32).toString('base64url'),
      LOG_LEVEL: 'silent',
      ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    };
  });
  afterAll(async () => {
    await db?.drop();
  });

  const withCtx = async <T>(fn: (ctx: Context) => Promise<T>) => {
    const ctx = await createContext(loadConfig(env));
    try {
      return await fn(ctx);
    } finally {
      await ctx.close();
    }
  };

  it('client create prints the id and secret once; bad scopes are usage errors', async () => {
    const res = await runCli(
      ['client', 'create', '--name', 'billing', '--scopes', 'vault:tokenize vault:read'],
      env,
    );
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(Object.keys(out).sort()).toEqual(['client_id', 'client_secret']);
    const bad = await runCli(['client', 'create', '--name', 'x', '--scopes', 'admin'], env);
    expect(bad.code).toBe(2);
    expect((await runCli(['client', 'create', '--name', 'x'], env)).code).toBe(2);
  });

  it('tokenize-csv streams the file with the column tokenized, reports bad rows by line', async () => {
    const file = join(db.dataDir, 'in.csv');
    const lines = [
      'id,card,note',
      `1,${CARDS[0]},plain`,
      `2,"${CARDS[1]}","quoted, with comma"`,
      `3,4111111111111112,bad luhn`,
      `4,${CARDS[2]},"two`,
      `lines"`,
      `5,,empty`,
      `6,${CARDS[3]},"say ""hi"""`,
      `7,${CARDS[0]},one,too many`,
    ];
    await writeFile(file, `${lines.join('\r\n')}\r\n`);
    const res = await runCli(
      ['vault', 'tokenize-csv', '--type', 'card', '--column', 'card', '--batch', '2', file],
      env,
    );
    expect(res.code, res.stderr).toBe(0);
    const rows = parse(res.stdout) as string[][];
    expect(rows[0]).toEqual(['id', 'card', 'note']);
    expect(rows.map((r) => r[0])).toEqual(['id', '1', '2', '4', '5', '6']);
    expect(rows[2]?.[2]).toBe('quoted, with comma');
    expect(rows[3]?.[2]).toBe('two\r\nlines');
    expect(rows[5]?.[2]).toBe('say "hi"');
    expect(rows[4]?.[1]).toBe('');
    for (const r of rows.slice(1)) if (r[1]) expect(r[1]).toMatch(/^\d{15,16}$/);
    expect(res.stdout).not.toMatch(new RegExp(CARDS.join('|')));
    expect(res.stderr).toMatch(/line 4: card: the card number fails the Luhn check/);
    expect(res.stderr).toMatch(/line 10: malformed CSV/);
    expect(res.stderr).toMatch(/done: 6 rows, 4 tokenized, 2 bad/);
    expect(res.stderr).toMatch(/rows\/s/);
    expect(res.stderr).not.toContain('4111111111111112');

    const tokens = rows
      .slice(1)
      .map((r) => r[1]!)
      .filter(Boolean);
    const values = await withCtx((ctx) =>
      ctx.vault.detokenize({ sub: 'cli', scopes: new Set() }, tokens, 'test'),
    );
    expect(values.map((v) => ('value' in v ? v.value : v.error))).toEqual([
      CARDS[0],
      CARDS[1],
      CARDS[2],
      CARDS[3],
    ]);

    const strict = await runCli(
      ['vault', 'tokenize-csv', '--type', 'card', '--column', 'card', '--strict', file],
      env,
    );
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/line 4:/);
    const missing = await runCli(
      ['vault', 'tokenize-csv', '--type', 'card', '--column', 'pan', file],
      env,
    );
    expect(missing.code).toBe(1);
    expect(
      (await runCli(['vault', 'tokenize-csv', '--type', 'iban', '--column', 'x', file], env)).code,
    ).toBe(2);
  });

  it('rotate-key re-encrypts every record; an interrupted run resumes', async () => {
    await withCtx(async (ctx) => {
      const items = Array.from({ length: 1000 }, (_, i) => ({
        value: `secret ${i}`,
        type: 'text' as const,
      }));
      await ctx.vault.tokenize('usr_rot', items);
      await ctx.vault.tokenize('usr_rot', items);
    });
    // Batches of one: slow enough to interrupt in the middle.
    const child = spawn(
      process.execPath,
      [BIN, 'vault', 'rotate-key', '--batch', '1', '--settle', '0'],
      {
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        if (/rotate-key: \d+ rows/.test(stderr)) resolve();
      });
    });
    child.kill('SIGINT');
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toMatch(/interrupted; run "tessera vault rotate-key" again to resume/);
    expect(JSON.parse(stdout)).toMatchObject({ interrupted: true, resumed: false });

    const resumed = await runCli(['vault', 'rotate-key', '--settle', '0'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = JSON.parse(resumed.stdout);
    expect(result).toMatchObject({ resumed: true, interrupted: false, failed: 0 });
    await withCtx(async (ctx) => {
      const counts = await ctx.store.vault.countByKey();
      expect(counts).toEqual([{ version: result.version, count: expect.any(Number) }]);
      const page = await ctx.store.vault.list({ owner: 'usr_rot', limit: 5, now: Date.now() });
      const out = await ctx.vault.detokenize(
        { sub: 'usr_rot', scopes: new Set() },
        page.map((r) => r.token),
        'check',
      );
      for (const r of out) expect('value' in r && r.value.startsWith('secret ')).toBe(true);
    });
    const again = await runCli(['vault', 'rotate-key', '--settle', '0'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ resumed: false, version: result.version + 1 });
  });

  it('audit verify checks the chain (exit 0) and lists the events', async () => {
    const res = await runCli(['audit', 'verify'], env);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ ok: true });
    expect(JSON.parse(res.stdout).rows).toBeGreaterThan(3);
  });
});
