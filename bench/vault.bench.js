// Vault throughput: tokenize and detokenize per second, one value per call and batches
// of 1000, through Tessera's vault service (validation, format-preserving token, AES-256-GCM
// under a wrapped data key, insert, audit-chain append), side by side with a baseline of
// raw AES-256-GCM plus a transactional insert (and select plus decrypt) on the same SQLite
// settings (WAL, synchronous=FULL) in the same run. Then p99 latency of single HTTP calls
// (POST /v1/vault/tokens, POST /v1/vault/detokenize), unloaded, in-process.
// Targets (issue 4): batch >= 0.5x the baseline; single-call p99 < 5 ms.
import { createCipheriv, createDecipheriv, randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { buildApp, createContext, loadConfig } from '../packages/server/dist/index.js';
import { luhnValid } from '../packages/server/dist/vault/formats.js';

const SINGLE_CALLS = 2000;
const BATCHES = 10;
const LATENCY_CALLS = 2000;

function card() {
  for (;;) {
    const d = `4${Array.from({ length: 15 }, () => randomInt(10)).join('')}`;
    if (luhnValid(d)) return d;
  }
}

async function rate(label, operations, fn) {
  await fn(Math.max(1, Math.floor(operations / 20))); // warm-up
  const start = process.hrtime.bigint();
  await fn(operations);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { label, perSecond: operations / seconds };
}

function baselineStore(dir) {
  const db = new Database(join(dir, 'baseline.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('create table t (token text primary key, ciphertext text not null)');
  const key = randomBytes(32);
  const insert = db.prepare('insert into t (token, ciphertext) values (?, ?)');
  const select = db.prepare('select ciphertext from t where token = ?');
  const seal = (token, value) => {
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, nonce);
    c.setAAD(Buffer.from(token));
    const ct = Buffer.concat([c.update(value, 'utf8'), c.final()]);
    return `${nonce.toString('base64url')}.${ct.toString('base64url')}.${c.getAuthTag().toString('base64url')}`;
  };
  const open = (token, envelope) => {
    const [n, ct, tag] = envelope.split('.').map((p) => Buffer.from(p, 'base64url'));
    const d = createDecipheriv('aes-256-gcm', key, n);
    d.setAAD(Buffer.from(token));
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ct), d.final()]).toString('utf8');
  };
  const insertMany = db.transaction((rows) => {
    for (const [token, value] of rows) insert.run(token, seal(token, value));
  });
  const tokens = [];
  return {
    tokens,
    tokenize(values) {
      const rows = values.map((v) => [randomBytes(12).toString('base64url'), v]);
      insertMany(rows);
      for (const [t] of rows) tokens.push(t);
    },
    detokenize(list) {
      return db.transaction(() => list.map((t) => open(t, select.get(t).ciphertext)))();
    },
    close: () => db.close(),
  };
}

function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-vault-bench-'));
  const ctx = await createContext(
    loadConfig({
      TESSERA_DATA_DIR: dir,
      TESSERA_MASTER_KEY: randomBytes(32).toString('base64url'),
    }),
  );
  const base = baselineStore(dir);
  const owner = 'usr_bench';
  const caller = { sub: owner, scopes: new Set() };
  const made = [];
  const cards = Array.from({ length: 5000 }, card);
  const pick = () => cards[randomInt(cards.length)];

  const rows = [];
  rows.push(
    await rate('baseline tokenize, single', SINGLE_CALLS, async (n) => {
      for (let i = 0; i < n; i++) base.tokenize([pick()]);
    }),
  );
  rows.push(
    await rate('vault tokenize, single', SINGLE_CALLS, async (n) => {
      for (let i = 0; i < n; i++) {
        const [r] = await ctx.vault.tokenize(owner, [{ value: pick(), type: 'card' }]);
        made.push(r.token);
      }
    }),
  );
  rows.push(
    await rate('baseline tokenize, batch 1000', BATCHES * 1000, async (n) => {
      for (let i = 0; i < n; i += 1000) base.tokenize(Array.from({ length: 1000 }, pick));
    }),
  );
  rows.push(
    await rate('vault tokenize, batch 1000', BATCHES * 1000, async (n) => {
      for (let i = 0; i < n; i += 1000) {
        const results = await ctx.vault.tokenize(
          owner,
          Array.from({ length: 1000 }, () => ({ value: pick(), type: 'card' })),
        );
        for (const r of results) made.push(r.token);
      }
    }),
  );
  const baseTokens = base.tokens;
  const any = (list) => list[randomInt(list.length)];
  rows.push(
    await rate('baseline detokenize, single', SINGLE_CALLS, async (n) => {
      for (let i = 0; i < n; i++) base.detokenize([any(baseTokens)]);
    }),
  );
  rows.push(
    await rate('vault detokenize, single', SINGLE_CALLS, async (n) => {
      for (let i = 0; i < n; i++) await ctx.vault.detokenize(caller, [any(made)], 'bench');
    }),
  );
  rows.push(
    await rate('baseline detokenize, batch 1000', BATCHES * 1000, async (n) => {
      for (let i = 0; i < n; i += 1000)
        base.detokenize(Array.from({ length: 1000 }, () => any(baseTokens)));
    }),
  );
  rows.push(
    await rate('vault detokenize, batch 1000', BATCHES * 1000, async (n) => {
      for (let i = 0; i < n; i += 1000) {
        await ctx.vault.detokenize(
          caller,
          Array.from({ length: 1000 }, () => any(made)),
          'bench',
        );
      }
    }),
  );

  // Single HTTP calls, one at a time: latency percentiles.
  const app = await buildApp(ctx, { logger: false });
  const email = 'bench@example.com';
  const password = 'benchmark password';
  await app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email, password } });
  const login = await app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password },
  });
  const authorization = `Bearer ${login.json().access_token}`;
  const latencies = { tokenize: [], detokenize: [] };
  const httpTokens = [];
  for (let i = 0; i < LATENCY_CALLS + 100; i++) {
    const t0 = process.hrtime.bigint();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/vault/tokens',
      payload: { value: pick(), type: 'card' },
      headers: { authorization },
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (res.statusCode !== 201) throw new Error(`tokenize failed: ${res.statusCode}`);
    httpTokens.push(res.json().token);
    if (i >= 100) latencies.tokenize.push(ms);
  }
  for (let i = 0; i < LATENCY_CALLS + 100; i++) {
    const t0 = process.hrtime.bigint();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/vault/detokenize',
      payload: { tokens: [any(httpTokens)], reason: 'bench' },
      headers: { authorization },
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (res.statusCode !== 200) throw new Error(`detokenize failed: ${res.statusCode}`);
    if (i >= 100) latencies.detokenize.push(ms);
  }
  await app.close();
  await ctx.close();
  base.close();
  rmSync(dir, { recursive: true, force: true });

  const byLabel = Object.fromEntries(rows.map((r) => [r.label, r.perSecond]));
  console.log('SQLite (WAL, synchronous=FULL), card values, one process');
  console.table(
    rows.map((r) => {
      const baseline = byLabel[r.label.replace(/^vault/, 'baseline')];
      return {
        what: r.label,
        'per second': Math.round(r.perSecond),
        'ratio to baseline': (r.perSecond / baseline).toFixed(2),
      };
    }),
  );
  console.table(
    Object.entries(latencies).map(([op, samples]) => ({
      'HTTP, one value': op,
      'p50 ms': percentile(samples, 50).toFixed(2),
      'p99 ms': percentile(samples, 99).toFixed(2),
    })),
  );
  for (const op of ['tokenize', 'detokenize']) {
    const ratio = byLabel[`vault ${op}, batch 1000`] / byLabel[`baseline ${op}, batch 1000`];
    console.log(
      `target ${op} batch >= 0.50x baseline: ${ratio.toFixed(2)}x ${ratio >= 0.5 ? 'PASS' : 'FAIL'}`,
    );
    const p99 = percentile(latencies[op], 99);
    console.log(
      `target ${op} single-call p99 < 5 ms: ${p99.toFixed(2)} ms ${p99 < 5 ? 'PASS' : 'FAIL'}`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await run();
