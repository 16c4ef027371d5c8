import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { luhnValid } from '../../src/vault/formats.js';
import { bearer, createTestApp, signUp } from '../helpers/app.js';
import { startServe } from '../helpers/cli.js';
import { testDatabases } from '../helpers/databases.js';

const run = promisify(execFile);

function randomCard(): string {
  for (;;) {
    const digits = `4${Array.from({ length: 15 }, () => randomInt(10)).join('')}`;
    if (luhnValid(digits)) return digits;
  }
}

/** Every way a value could sit in a file unencrypted: raw, hex, base64, base64url. */
function encodings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  return [
    value,
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    bytes.toString('base64'),
    bytes.toString('base64url'),
  ];
}

describe.each(testDatabases)('vault proofs on $name', (database) => {
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
  });

  it('every acknowledged token detokenizes after a SIGKILL in the middle of concurrent batches', async () => {
    const db = await database.create();
    const env = {
      TESSERA_DATA_DIR: db.dataDir,
      TESSERA_MASTER_KEY: randomBytes(32).toString('base64url'),
      LOG_LEVEL: 'warn',
      ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    };
    const json = { 'content-type': 'application/json' };
    const account = { email: 'crash@example.com', password: 'crash test pass' };
    const login = async (url: string) => {
      const res = await fetch(`${url}/v1/auth/login`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify(account),
      });
      return ((await res.json()) as { access_token: string }).access_token;
    };

    const first = await startServe(env);
    children.push(first.child);
    await fetch(`${first.url}/v1/auth/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify(account),
    });
    const access = await login(first.url);

    const acknowledged = new Map<string, string>();
    let acks = 0;
    let stop = false;
    const worker = async (w: number) => {
      for (let round = 0; !stop; round++) {
        const items = Array.from({ length: 100 }, (_, i) => ({
          value: `w${w} r${round} i${i} ${randomBytes(6).toString('hex')}`,
          type: 'text',
        }));
        try {
          const res = await fetch(`${first.url}/v1/vault/tokens/batch`, {
            method: 'POST',
            headers: { ...json, ...bearer(access) },
            body: JSON.stringify({ items }),
          });
          if (res.status !== 200) continue;
          const { results } = (await res.json()) as { results: Array<{ token: string }> };
          for (const [i, r] of results.entries()) acknowledged.set(r.token, items[i]!.value);
          acks += 1;
        } catch {
          return; // the server died under this request: not acknowledged
        }
      }
    };
    const workers = Array.from({ length: 6 }, (_, w) => worker(w));
    while (acks < 12) await new Promise((r) => setTimeout(r, 10));
    first.child.kill('SIGKILL');
    stop = true;
    await once(first.child, 'exit');
    await Promise.all(workers);
    expect(acknowledged.size).toBeGreaterThanOrEqual(1200);

    const second = await startServe(env);
    children.push(second.child);
    const again = await login(second.url);
    const tokens = [...acknowledged.keys()];
    for (let i = 0; i < tokens.length; i += 1000) {
      const res = await fetch(`${second.url}/v1/vault/detokenize`, {
        method: 'POST',
        headers: { ...json, ...bearer(again) },
        body: JSON.stringify({ tokens: tokens.slice(i, i + 1000), reason: 'crash check' }),
      });
      expect(res.status).toBe(200);
      const { results } = (await res.json()) as {
        results: Array<{ token: string; value?: string }>;
      };
      for (const r of results) expect(r.value).toBe(acknowledged.get(r.token));
    }
    second.child.kill('SIGTERM');
    await once(second.child, 'exit');
    await db.drop();
  }, 120_000);

  it('no tokenized value is in the database file or a dump, raw, hex or base64', async () => {
    const t = await createTestApp(database);
    const user = await signUp(t.app);
    const suffix = randomBytes(4).toString('hex');
    const values: Array<[string, string]> = [
      ['card', randomCard()],
      [
        'ssn',
        `${String(randomInt(100, 665))}-${String(randomInt(10, 99))}-${String(randomInt(1000, 9999))}`,
      ],
      ['phone', `+4420${String(randomInt(10_000_000, 99_999_999))}`],
      ['email', `secret.${suffix}@example.org`],
      ['pan_in', `QWE${'P'}R${String(randomInt(1000, 9999))}Z`],
      ['text', `the launch code is ${suffix}${randomBytes(8).toString('hex')}`],
    ];
    for (const [type, value] of values) {
      for (const deterministic of [false, true]) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/vault/tokens',
          payload: { value, type, deterministic, metadata: { kind: type } },
          headers: bearer(user.access_token),
        });
        expect(res.statusCode, res.body).toBe(201);
        const detok = await t.app.inject({
          method: 'POST',
          url: '/v1/vault/detokenize',
          payload: { tokens: [res.json().token], reason: 'scan' },
          headers: bearer(user.access_token),
        });
        expect(detok.json().results[0].value).toBe(value);
      }
    }
    const profilePhone = `+9198${String(randomInt(10_000_000, 99_999_999))}`;
    await t.app.inject({
      method: 'PATCH',
      url: '/v1/me',
      payload: { phone: profilePhone },
      headers: bearer(user.access_token),
    });
    values.push(['phone', profilePhone]);

    let haystack: string;
    if (t.ctx.store.dialect === 'sqlite') {
      await t.app.close();
      await t.ctx.close();
      const files = (await readdir(t.ctx.config.dataDir)).filter((f) => f.startsWith('tessera.db'));
      const contents = await Promise.all(files.map((f) => readFile(join(t.ctx.config.dataDir, f))));
      haystack = contents.map((c) => c.toString('latin1')).join('\n');
      expect(haystack.length).toBeGreaterThan(0);
    } else {
      const { stdout } = await run('/usr/bin/pg_dump', [t.ctx.config.databaseUrl!], {
        maxBuffer: 256 * 1024 * 1024,
      });
      haystack = stdout;
      expect(haystack).toContain('vault_tokens');
    }
    // The scan can see: the email's mask is stored in the clear.
    expect(haystack).toContain('s***@example.org');
    for (const [type, value] of values) {
      for (const encoded of encodings(value)) {
        expect(haystack.includes(encoded), `${type} found in storage`).toBe(false);
      }
    }
    const logs = t.logs.join('\n');
    for (const [, value] of values) expect(logs.includes(value)).toBe(false);
    await t.close();
  });
});
