import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServe } from './helpers/cli.js';
import { testDatabases } from './helpers/databases.js';

describe.each(testDatabases)('tessera serve over a real socket on $name', (db) => {
  let child: ChildProcess;
  let url: string;
  let output: () => string;
  let env: Record<string, string>;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const created = await db.create();
    drop = created.drop;
    env = {
      TESSERA_DATA_DIR: created.dataDir,
      TESSERA_MASTER_KEY: randomBytes(32).toString('base64url'),
      ...(created.databaseUrl ? { DATABASE_URL: created.databaseUrl } : {}),
    };
    ({ child, url, output } = await startServe(env));
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await drop?.();
  });

  it('prints one line with its URL and logs JSON', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const lines = output().trim().split('\n');
    expect(lines.filter((l) => l.startsWith('Tessera listening on'))).toHaveLength(1);
  });

  it('serves register → login → /v1/me, and the token verifies with jose over the JWKS', async () => {
    const port = new URL(url).port;
    const issuer = `http://localhost:${port}`;
    const body = { email: 'e2e@example.com', password: 'end to end pass' };
    const json = { 'content-type': 'application/json' };
    const reg = await fetch(`${url}/v1/auth/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify(body),
    });
    expect(reg.status).toBe(201);
    const login = await fetch(`${url}/v1/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify(body),
    });
    expect(login.status).toBe(200);
    const { access_token } = (await login.json()) as { access_token: string };
    const me = await fetch(`${url}/v1/me`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { email: string }).email).toBe('e2e@example.com');

    const discovery = (await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as {
      issuer: string;
    };
    expect(discovery.issuer).toBe(issuer);
    const { payload } = await jwtVerify(
      access_token,
      createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`)),
      {
        issuer,
        audience: issuer,
        typ: 'at+jwt',
      },
    );
    expect(payload.scope).toBe('profile vault');

    const verified = await runCli(['token', 'verify', access_token], {
      ...env,
      TESSERA_ISSUER: issuer,
    });
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({
      valid: true,
      payload: { sub: payload.sub },
    });
    const tampered = await runCli(['token', 'verify', `${access_token.slice(0, -4)}AAAA`], {
      ...env,
      TESSERA_ISSUER: issuer,
    });
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain('invalid token');
  });

  it('finishes in-flight requests and exits 0 on SIGTERM', async () => {
    const body = JSON.stringify({ email: 'sigterm@example.com', password: 'end to end pass' });
    const headers = { 'content-type': 'application/json' };
    await fetch(`${url}/v1/auth/register`, { method: 'POST', headers, body });
    // A login is in flight (argon2 on the thread pool) when the signal arrives.
    const pending = fetch(`${url}/v1/auth/login`, { method: 'POST', headers, body });
    const exited = once(child, 'exit');
    await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGTERM');
    const res = await pending;
    expect(res.status).toBe(200);
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
