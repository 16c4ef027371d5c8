import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, ISSUER, signUp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

describe.each(testDatabases)('signing keys on $name', (db) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(db);
  });
  afterAll(async () => {
    await t?.close();
  });

  const jwks = async () =>
    (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();

  it('publishes the active and the next key, public members only', async () => {
    const { keys } = await jwks();
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      for (const m of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(m);
    }
    expect(keys.map((k: { kid: string }) => k.kid)).toContain(t.ctx.keys.signingKey.kid);
  });

  it('keeps tokens of the previous key valid after a rotation, and publishes both', async () => {
    const before = await signUp(t.app);
    const oldKid = t.ctx.keys.signingKey.kid;
    const nextKid = (await jwks()).keys.find((k: { kid: string }) => k.kid !== oldKid).kid;
    const newKid = await t.ctx.keys.rotate();
    // The pre-published next key is the one activated: verifiers had it cached already.
    expect(newKid).toBe(nextKid);
    const kids = (await jwks()).keys.map((k: { kid: string }) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([oldKid, newKid]));
    expect(kids).toHaveLength(3); // retired, active, new next

    const me = await t.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: bearer(before.access_token),
    });
    expect(me.statusCode).toBe(200);
    const after = await signUp(t.app);
    const header = JSON.parse(
      Buffer.from(after.access_token.split('.')[0]!, 'base64url').toString(),
    );
    expect(header.kid).toBe(newKid);
    const set = createLocalJWKSet(await jwks());
    const opts = { issuer: ISSUER, audience: ISSUER, currentDate: new Date(t.ctx.now()) };
    await expect(jwtVerify(before.access_token, set, opts)).resolves.toBeTruthy();
    await expect(jwtVerify(after.access_token, set, opts)).resolves.toBeTruthy();
  });

  it('drops a retired key from the JWKS once every token it signed has expired', async () => {
    const retired = t.ctx.keys.rows.find((r) => r.status === 'retired')!;
    expect(retired).toBeDefined();
    t.advance(900_000 + 121_000);
    try {
      await t.ctx.keys.refresh();
      const kids = (await jwks()).keys.map((k: { kid: string }) => k.kid);
      expect(kids).not.toContain(retired.kid);
    } finally {
      t.advance(-(900_000 + 121_000));
    }
  });

  it('serves a discovery document pointing at its JWKS and token endpoint', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      token_endpoint: `${ISSUER}/v1/oauth/token`,
      grant_types_supported: expect.arrayContaining(['client_credentials']),
    });
  });

  it('stores private keys sealed: no JWK private member in the key table', async () => {
    for (const row of await t.ctx.store.signingKeys.list()) {
      expect(row.private_key.startsWith('v1.')).toBe(true);
      expect(row.private_key).not.toContain('"d"');
    }
  });

  it('refuses a token signed by a key from another deployment with the same kid', async () => {
    const other = await createTestApp(db);
    try {
      const s = await signUp(other.app);
      const res = await t.app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: bearer(s.access_token),
      });
      expect(res.statusCode).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('answers health, readiness and metrics', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({
      status: 'ok',
    });
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'ready',
    });
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('tessera_http_requests_total');
    expect(metrics.body).toContain('tessera_logins_total');
  });
});

describe.each(testDatabases)('HS256 on $name', (db) => {
  it('publishes an empty JWKS and still verifies its own tokens', async () => {
    const t = await createTestApp(db, { TESSERA_SIGNING_ALG: 'HS256' });
    try {
      const res = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      expect(res.json()).toEqual({ keys: [] });
      const s = await signUp(t.app);
      const me = await t.app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: bearer(s.access_token),
      });
      expect(me.statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe.each(testDatabases)('other algorithms on $name', (db) => {
  it.each(['EdDSA', 'RS256', 'PS256'])('%s tokens are issued and accepted', async (alg) => {
    const t = await createTestApp(db, { TESSERA_SIGNING_ALG: alg });
    try {
      const s = await signUp(t.app);
      const header = JSON.parse(Buffer.from(s.access_token.split('.')[0]!, 'base64url').toString());
      expect(header).toMatchObject({ alg, typ: 'at+jwt' });
      const me = await t.app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: bearer(s.access_token),
      });
      expect(me.statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
