import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServe } from './helpers/cli.js';
import { testDatabases } from './helpers/databases.js';

// Several server processes on one PostgreSQL database (SPEC §5). SQLite is one
// process's file by design; this suite is PostgreSQL's, and CI requires it.
const postgres = testDatabases.filter((d) => d.name === 'postgres');

if (postgres.length === 0) {
  // Outside CI without TESSERA_TEST_DATABASE_URL (the helper has warned); CI requires it.
  describe.skip('two server processes on one PostgreSQL database', () => {
    it('needs TESSERA_TEST_DATABASE_URL', () => {});
  });
}

describe.each(postgres)('two server processes on one $name database', (db) => {
  const servers: Array<{ child: ChildProcess; url: string }> = [];
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  const ISSUER = 'http://tessera.test';

  beforeAll(async () => {
    const created = await db.create();
    drop = created.drop;
    env = {
      DATABASE_URL: created.databaseUrl!,
      TESSERA_DATA_DIR: created.dataDir,
      TESSERA_MASTER_KEY: randomBytes(32).toString('base64url'),
      TESSERA_ISSUER: ISSUER,
      TESSERA_ALLOWED_ORIGINS: ISSUER,
      LOG_LEVEL: 'warn',
    };
    // Migrate once, as a deploy step would; both servers then start on the same schema.
    expect((await runCli(['migrate'], env)).code).toBe(0);
    const [a, b] = await Promise.all([startServe(env), startServe(env)]);
    servers.push(a, b);
  });
  afterAll(async () => {
    for (const { child } of servers) {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
    }
    await drop?.();
  });

  const a = () => servers[0]!.url;
  const b = () => servers[1]!.url;
  const post = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const me = (base: string, token: string) =>
    fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${token}` } });

  async function session(email: string) {
    const password = 'shared database pass';
    expect((await post(a(), '/v1/auth/register', { email, password })).status).toBe(201);
    const res = await post(b(), '/v1/auth/login', { email, password });
    expect(res.status).toBe(200);
    return (await res.json()) as {
      access_token: string;
      refresh_token: string;
      session_id: string;
    };
  }

  it('a token issued by one verifies on the other', async () => {
    const s = await session('both@example.com');
    expect((await me(a(), s.access_token)).status).toBe(200);
    expect((await me(b(), s.access_token)).status).toBe(200);
  });

  it('a logout on one is refused by the other on the very next request', async () => {
    const s = await session('logout@example.com');
    const out = await fetch(`${a()}/v1/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.access_token}` },
    });
    expect(out.status).toBe(204);
    expect((await me(b(), s.access_token)).status).toBe(401);
    expect((await post(b(), '/v1/auth/refresh', { refresh_token: s.refresh_token })).status).toBe(
      401,
    );
  });

  it("a key rotation is served by both instances' JWKS, and old tokens keep verifying", async () => {
    const s = await session('rotation@example.com');
    const rotated = await runCli(['keys', 'rotate'], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    const { active } = JSON.parse(rotated.stdout) as { active: string };
    for (const base of [a(), b()]) {
      let kids: string[] = [];
      for (let i = 0; i < 30 && !kids.includes(active); i++) {
        await new Promise((r) => setTimeout(r, 200));
        const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as {
          keys: Array<{ kid: string }>;
        };
        kids = jwks.keys.map((k) => k.kid);
      }
      expect(kids).toContain(active);
      expect((await me(base, s.access_token)).status).toBe(200);
    }
  });

  it('concurrent refreshes split across both keep the reuse rules exact', async () => {
    const s = await session('race@example.com');
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        post(i % 2 ? a() : b(), '/v1/auth/refresh', { refresh_token: s.refresh_token }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(200));
    const bodies = (await Promise.all(results.map((r) => r.json()))) as Array<{
      refresh_token: string;
      access_token: string;
    }>;
    const next = await post(a(), '/v1/auth/refresh', { refresh_token: bodies[5]!.refresh_token });
    expect(next.status).toBe(200);
    const latest = (await next.json()) as { refresh_token: string; access_token: string };
    // After the reuse window (10 s by default) a replay ends the session everywhere.
    await new Promise((r) => setTimeout(r, 10_500));
    const replay = await post(b(), '/v1/auth/refresh', { refresh_token: s.refresh_token });
    expect(replay.status).toBe(401);
    expect(
      (await post(a(), '/v1/auth/refresh', { refresh_token: latest.refresh_token })).status,
    ).toBe(401);
    expect((await me(a(), latest.access_token)).status).toBe(401);
    expect((await me(b(), latest.access_token)).status).toBe(401);
  }, 30_000);
});
