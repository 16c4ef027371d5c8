import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { type Context, createContext } from '../../src/context.js';
import { buildApp } from '../../src/http/app.js';
import { loggerOptions } from '../../src/http/logging.js';
import type { TestDatabase } from './databases.js';

export interface TestApp {
  app: FastifyInstance;
  ctx: Context;
  /** Every log line the app wrote, for redaction checks. */
  logs: string[];
  /** Moves the frozen clock forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

export const ISSUER = 'http://localhost:8080';

/** A fresh database, a context on a frozen clock, and the app, in-process (use `app.inject`). */
export async function createTestApp(
  db: TestDatabase,
  env: Record<string, string> = {},
): Promise<TestApp> {
  const { databaseUrl, dataDir, drop } = await db.create();
  let clock = Date.now();
  const config = loadConfig({
    TESSERA_DATA_DIR: dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    TESSERA_MASTER_KEY: randomBytes(32).toString('base64url'),
    TESSERA_ISSUER: ISSUER,
    LOG_LEVEL: 'debug',
    // Tests make many auth calls from one address; the limit itself has its own test.
    TESSERA_AUTH_RATE_LIMIT: '100000',
    ...env,
  });
  const ctx = await createContext(config, { now: () => clock });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const app = await buildApp(ctx, { logger: { ...loggerOptions('debug'), stream } });
  await app.ready();
  return {
    app,
    ctx,
    logs,
    advance(ms) {
      clock += ms;
    },
    async close() {
      await app.close();
      await ctx.close();
      await drop();
    },
  };
}

/** Registers and logs a user in; returns the token response. */
export async function signUp(
  app: FastifyInstance,
  email = `user-${randomBytes(4).toString('hex')}@example.com`,
  password = 'correct horse battery',
) {
  const reg = await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password },
  });
  if (reg.statusCode !== 201) throw new Error(`register failed: ${reg.statusCode} ${reg.body}`);
  const res = await app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password },
  });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return {
    email,
    password,
    ...(res.json() as { access_token: string; session_id: string; user: { id: string } }),
  };
}

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}
