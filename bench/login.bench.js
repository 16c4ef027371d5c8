// Logins per second through the whole stack (HTTP parsing, validation, SQLite
// lookup, argon2id verify, session insert, JWT signing) against raw
// @node-rs/argon2 verification at the same parameters and concurrency.
// Target: the stack reaches >= 0.9x the raw hashing rate.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hash, verify } from '@node-rs/argon2';
import {
  ARGON2_OPTIONS,
  defaultHashConcurrency,
} from '../packages/server/dist/accounts/password.js';
import { buildApp, createContext, loadConfig } from '../packages/server/dist/index.js';

const CONCURRENCY = 4; // clients in flight (libuv's default thread pool size)
// The server runs at most this many hashes at once, keeping a core for the event loop.
const HASHES = defaultHashConcurrency();
const ROUNDS = 160;

async function timed(label, fn) {
  // One warm-up pass keeps JIT and first-allocation costs out of the numbers.
  await fn(CONCURRENCY);
  const start = process.hrtime.bigint();
  await fn(ROUNDS);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { label, perSecond: ROUNDS / seconds };
}

async function pool(n, task, width = CONCURRENCY) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        next++;
        await task();
      }
    }),
  );
}

export async function run() {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  const ctx = await createContext(
    loadConfig({
      TESSERA_DATA_DIR: dataDir,
      TESSERA_MASTER_KEY: randomBytes(32).toString('base64url'),
      // The flood limit would otherwise stop a benchmark that logs in hundreds of times.
      TESSERA_AUTH_RATE_LIMIT: '1000000',
    }),
  );
  const app = await buildApp(ctx, { logger: false });
  const password = 'benchmark password';
  await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email: 'b@example.com', password },
  });
  const stored = await hash(password, ARGON2_OPTIONS);

  const raw = await timed(`raw argon2id verify, ${HASHES} at a time`, (n) =>
    pool(n, () => verify(stored, password), HASHES),
  );
  const rawWide = await timed(`raw argon2id verify, ${CONCURRENCY} at a time (info)`, (n) =>
    pool(n, () => verify(stored, password)),
  );
  const stack = await timed('POST /v1/auth/login', (n) =>
    pool(n, async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: 'b@example.com', password },
      });
      if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode}`);
    }),
  );
  await app.close();
  await ctx.close();
  rmSync(dataDir, { recursive: true, force: true });

  console.log(
    `argon2id m=${ARGON2_OPTIONS.memoryCost} t=${ARGON2_OPTIONS.timeCost} p=${ARGON2_OPTIONS.parallelism}; ${CONCURRENCY} clients; the server hashes ${HASHES} at a time (TESSERA_HASH_CONCURRENCY); SQLite`,
  );
  console.table(
    [raw, rawWide, stack].map((r) => ({
      what: r.label,
      'per second': r.perSecond.toFixed(1),
      'ratio to raw': (r.perSecond / raw.perSecond).toFixed(2),
    })),
  );
  const ratio = stack.perSecond / raw.perSecond;
  console.log(
    `target logins >= 0.90x raw argon2 at the server's hash concurrency: ${ratio.toFixed(2)}x ${ratio >= 0.9 ? 'PASS' : 'FAIL'}`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await run();
