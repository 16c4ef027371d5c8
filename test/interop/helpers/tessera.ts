/**
 * A real Tessera for interop and example tests: the built CLI's `serve` on SQLite in a temp dir,
 * plus helpers to make users and tokens through its HTTP API.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliResult, runCli, startServe } from '../../../packages/server/test/helpers/cli.js';

export type SigningAlg = 'ES256' | 'EdDSA' | 'RS256' | 'PS256' | 'HS256';

export interface Tessera {
  /** Where it listens (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** `iss` of its tokens and base of discovery (`http://localhost:<port>` by default). */
  readonly issuer: string;
  /** The environment it runs with: pass it to `cli` for commands on the same data. */
  readonly env: Record<string, string>;
  readonly child: ChildProcess;
  /** Registers and logs in a new user; returns the access token and the user id. */
  user(options?: { admin?: boolean }): Promise<{ token: string; sub: string; email: string }>;
  /** A fresh access token for an existing user. */
  login(email: string): Promise<string>;
  /** Runs `tessera <args>` against the same database and master key. */
  cli(args: string[], stdin?: string): Promise<CliResult>;
  stop(): Promise<void>;
}

const PASSWORD = 'interop test password';

export async function startTessera(
  alg: SigningAlg = 'ES256',
  extraEnv: Record<string, string> = {},
): Promise<Tessera> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tessera-interop-'));
  const env: Record<string, string> = {
    TESSERA_DATA_DIR: dataDir,
    TESSERA_MASTER_KEY: randomBytes(32).toString('base64url'),
    TESSERA_SIGNING_ALG: alg,
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const { child, url } = await startServe(env);
  const issuer = env.TESSERA_ISSUER ?? `http://localhost:${new URL(url).port}`;

  async function post(path: string, body: unknown): Promise<Response> {
    return fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  async function login(email: string): Promise<string> {
    const res = await post('/v1/auth/login', { email, password: PASSWORD });
    if (res.status !== 200) throw new Error(`login answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  const cli = (args: string[], stdin?: string) => runCli(args, env, stdin);

  return {
    url,
    issuer,
    env,
    child,
    cli,
    login,
    async user(options = {}) {
      const email = `${randomUUID()}@example.com`;
      if (options.admin) {
        const made = await cli(['user', 'create', '--email', email, '--admin'], PASSWORD);
        if (made.code !== 0) throw new Error(`user create failed: ${made.stderr}`);
      } else {
        const res = await post('/v1/auth/register', { email, password: PASSWORD });
        if (res.status !== 201) throw new Error(`register answered ${res.status}`);
      }
      const token = await login(email);
      const sub = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub;
      return { token, sub, email };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
