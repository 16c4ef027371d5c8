/**
 * Claims and token lifecycle, black box over HTTP. Every forged token here carries a correct
 * signature from the server's own (imported) key and names a real user and a live session, so the
 * claim or lifecycle rule under test is the only thing that can refuse it.
 *
 * Sources: RFC 7519 §4.1 (exp, nbf, iss, aud), RFC 8725 §3.8–3.12 (issuer/audience validation,
 * explicit typing, cross-JWT confusion), RFC 9068 §4 (at+jwt), RFC 9700 (OAuth 2.0 Security BCP)
 * §4.14 refresh token rotation and replay detection, OWASP ASVS 4.0.3 V3.3 (logout and
 * session termination), V3.5 (token-based sessions), CWE-613 (insufficient session expiration).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../packages/server/test/helpers/cli.js';
import {
  type Account,
  b64u,
  call,
  claimsFor,
  expectInvalidToken,
  forge,
  ISSUER,
  json64,
  learnInvalidTokenBody,
  logIn,
  signEs,
  signUp,
  startTarget,
  type Target,
} from './helpers.js';

let t: Target;
let ada: Account;
let bob: Account;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  t = await startTarget({ TESSERA_REFRESH_REUSE_WINDOW: '1' });
  [ada, bob] = await Promise.all([signUp(t), signUp(t)]);
  await learnInvalidTokenBody(t);
});
afterAll(async () => {
  await t?.stop();
});

const header = () => ({ alg: 'ES256', typ: 'at+jwt', kid: 'KID' });

describe('claims (RFC 7519 §4.1, RFC 8725 §3.8–3.11, RFC 9068)', () => {
  it('control: our forged token and an aud array containing the audience are accepted', async () => {
    expect((await call(t, 'GET', '/v1/me', { token: forge(t, ada) })).status).toBe(200);
    expect(
      (await call(t, 'GET', '/v1/me', { token: forge(t, ada, { aud: ['other', ISSUER] }) })).status,
    ).toBe(200);
  });
  const cases: [string, () => Record<string, unknown>][] = [
    [
      'expired two minutes ago (beyond the leeway)',
      () => ({ exp: now() - 120, iat: now() - 1000 }),
    ],
    ['exp missing', () => ({ exp: undefined })],
    ['exp as a numeric string', () => ({ exp: String(now() + 600) })],
    ['exp null', () => ({ exp: null })],
    ['exp true', () => ({ exp: true })],
    ['exp as an array', () => ({ exp: [now() + 600] })],
    ['not yet valid: nbf two minutes ahead', () => ({ nbf: now() + 120 })],
    ['nbf as a string', () => ({ nbf: '0' })],
    ['iat an hour in the future', () => ({ iat: now() + 3600 })],
    ['wrong iss', () => ({ iss: 'https://evil.example' })],
    ['iss as an array holding the issuer', () => ({ iss: [ISSUER] })],
    ['iss with a trailing slash', () => ({ iss: `${ISSUER}/` })],
    ['iss in upper case', () => ({ iss: ISSUER.toUpperCase() })],
    ['iss missing', () => ({ iss: undefined })],
    ['wrong aud', () => ({ aud: 'https://api.other.example' })],
    ['aud an empty array', () => ({ aud: [] })],
    ['aud an array of others', () => ({ aud: ['a', 'b'] })],
    ['aud a number', () => ({ aud: 8080 })],
    ['aud missing', () => ({ aud: undefined })],
    ['sub a number', () => ({ sub: 1 })],
    ['sub missing', () => ({ sub: undefined })],
    ["sub of another user with this user's session", () => ({ sub: bob.id })],
    ["sid of another user's session", () => ({ sid: bob.sid })],
    ['sid missing (and no client_id): not a user token of ours', () => ({ sid: undefined })],
    ['sid an unknown id', () => ({ sid: '00000000-0000-0000-0000-000000000000' })],
    ['scope missing', () => ({ scope: undefined })],
    ['jti missing', () => ({ jti: undefined })],
    ['jti a number', () => ({ jti: 7 })],
  ];
  it.each(cases.map(([name, make]) => [name, make] as const))('%s', async (_name, make) => {
    await expectInvalidToken(t, forge(t, ada, make()));
  });
  it.each([['JWT'], ['application/jwt'], ['at+jwt+x'], [''], ['id_token+jwt']])(
    'typ %j',
    async (typ) => {
      await expectInvalidToken(t, forge(t, ada, {}, { typ }));
    },
  );
  it('typ missing, or not a string', async () => {
    await expectInvalidToken(t, forge(t, ada, {}, { typ: undefined }));
    await expectInvalidToken(t, forge(t, ada, {}, { typ: ['at+jwt'] }));
  });
  // Finding 1 (fixed in packages/server/src/tokens/access.ts): claims of the wrong JSON type
  // reached `claims.scope.split(...)` and answered 500 instead of 401.
  it.each([
    ['scope as an array', { scope: ['profile', 'vault', 'admin'] }],
    ['scope as an object', { scope: { admin: true } }],
    ['scope a number', { scope: 1 }],
    ['sid a number', { sid: 1 }],
    ['client_id an object, no sid', { sid: undefined, client_id: { id: 'x' } }],
  ])('regression: a token whose %s was a 500, is now 401 invalid_token', async (_name, extra) => {
    await expectInvalidToken(t, forge(t, ada, extra));
  });
  it('exp written as 1e999 (parses as Infinity: a token that never expires)', async () => {
    const c = JSON.stringify(claimsFor(ada)).replace(/"exp":\d+/, '"exp":1e999');
    await expectInvalidToken(t, signEs(t, { ...header(), kid: t.es.kid }, b64u(c)));
  });
  it('duplicate keys are read last-wins like jose: a later expired exp refuses', async () => {
    // The first `exp` is valid, the second expired: a verifier reading first-wins would accept.
    const text = `${JSON.stringify(claimsFor(ada)).slice(0, -1)},"exp":${now() - 600}}`;
    await expectInvalidToken(t, signEs(t, { ...header(), kid: t.es.kid }, b64u(text)));
  });
  it('duplicate header keys: a later alg of none refuses even though ES256 came first', async () => {
    const h = `{"alg":"ES256","typ":"at+jwt","kid":"${t.es.kid}","alg":"none"}`;
    await expectInvalidToken(t, signEs(t, b64u(h), claimsFor(ada)));
  });
  it("duplicate keys: a later sub naming another user does not keep the first user's rights", async () => {
    const text = `${JSON.stringify(claimsFor(ada)).slice(0, -1)},"sub":"${bob.id}"}`;
    await expectInvalidToken(t, signEs(t, { ...header(), kid: t.es.kid }, b64u(text)));
  });
  it('a payload with a __proto__ member (prototype poisoning)', async () => {
    const text = `${JSON.stringify(claimsFor(ada)).slice(0, -1)},"__proto__":{"admin":true}}`;
    await expectInvalidToken(t, signEs(t, { ...header(), kid: t.es.kid }, b64u(text)));
  });
  it('scope "admin" forged into an expired token still does nothing', async () => {
    await expectInvalidToken(
      t,
      forge(t, ada, { scope: 'profile vault admin', exp: now() - 300 }),
      `/v1/users/${bob.id}`,
    );
  });
});

describe('type confusion between token kinds', () => {
  it('a refresh token as a bearer', async () => {
    await expectInvalidToken(t, ada.refresh);
  });
  it('a vault token as a bearer', async () => {
    const rec = await call(t, 'POST', '/v1/vault/tokens', {
      token: ada.access,
      body: { type: 'text', value: 'secret note' },
    });
    expect(rec.status).toBe(201);
    await expectInvalidToken(t, rec.json.token);
  });
  it('a session id as a bearer', async () => {
    await expectInvalidToken(t, ada.sid);
  });
  it('an access token as a refresh token', async () => {
    const res = await call(t, 'POST', '/v1/auth/refresh', { body: { refresh_token: ada.access } });
    expect([400, 401]).toContain(res.status);
    expect(['invalid_grant', 'invalid_request']).toContain(res.json.error);
  });
  it('a service (client credentials) token cannot act as a user or refresh', async () => {
    const created = await runCli(
      ['client', 'create', '--name', 'svc', '--scopes', 'vault:tokenize'],
      t.env,
    );
    expect(created.code, created.stderr).toBe(0);
    const { client_id, client_secret } = JSON.parse(created.stdout);
    const basic = Buffer.from(`${client_id}:${client_secret}`).toString('base64');
    const tok = await call(t, 'POST', '/v1/oauth/token', {
      headers: { authorization: `Basic ${basic}` },
      body: { grant_type: 'client_credentials' },
    });
    expect(tok.status).toBe(200);
    const svc = tok.json.access_token as string;
    const me = await call(t, 'GET', `/v1/users/${ada.id}`, { token: svc });
    expect(me.status).toBe(403);
    // A service token is its own subject: it sees no user's sessions.
    const sessions = await call(t, 'GET', '/v1/sessions', { token: svc });
    expect(sessions.status).toBeLessThan(500);
    if (sessions.status === 200) expect(sessions.json.sessions).toEqual([]);
    const patched = await call(t, 'PATCH', '/v1/me', { token: svc, body: { name: 'svc' } });
    expect(patched.status).toBeGreaterThanOrEqual(400);
    expect(patched.status).toBeLessThan(500);
    const refresh = await call(t, 'POST', '/v1/auth/refresh', { body: { refresh_token: svc } });
    expect([400, 401]).toContain(refresh.status);
  });
  it('a client secret as a bearer or refresh token', async () => {
    await expectInvalidToken(t, 'tsc_notarealsecret0000000000');
  });
});

describe('lifecycle: replay after the session ends (ASVS V3.3, SPEC §2.1)', () => {
  it('replay after logout', async () => {
    const a = await logIn(t, ada.email);
    expect((await call(t, 'GET', '/v1/me', { token: a.access })).status).toBe(200);
    expect((await call(t, 'POST', '/v1/auth/logout', { token: a.access })).status).toBe(204);
    await expectInvalidToken(t, a.access);
    const r = await call(t, 'POST', '/v1/auth/refresh', { body: { refresh_token: a.refresh } });
    expect(r.status).toBe(401);
    expect(r.json.error).toBe('invalid_grant');
  });
  it('replay after a password change (other sessions end, their refresh tokens die)', async () => {
    const u = await signUp(t);
    const other = await logIn(t, u.email);
    const res = await call(t, 'POST', '/v1/me/password', {
      token: u.access,
      body: { current_password: u.password, new_password: 'a brand new passphrase' },
    });
    expect(res.status).toBe(204);
    await expectInvalidToken(t, other.access);
    expect(
      (await call(t, 'POST', '/v1/auth/refresh', { body: { refresh_token: other.refresh } }))
        .status,
    ).toBe(401);
    const oldLogin = await call(t, 'POST', '/v1/auth/login', {
      body: { email: u.email, password: u.password },
    });
    expect(oldLogin.status).toBe(401);
  });
  it('replay after the session is revoked by id', async () => {
    const a = await logIn(t, ada.email);
    const b = await logIn(t, ada.email);
    expect((await call(t, 'DELETE', `/v1/sessions/${b.sid}`, { token: a.access })).status).toBe(
      204,
    );
    await expectInvalidToken(t, b.access);
  });
  it('replay after "sign out everywhere else"', async () => {
    const a = await logIn(t, ada.email);
    const b = await logIn(t, ada.email);
    expect((await call(t, 'DELETE', '/v1/sessions', { token: a.access })).status).toBe(204);
    await expectInvalidToken(t, b.access);
    expect((await call(t, 'GET', '/v1/me', { token: a.access })).status).toBe(200);
  });
  it("a user cannot revoke another user's session", async () => {
    const a = await logIn(t, ada.email);
    const res = await call(t, 'DELETE', `/v1/sessions/${bob.sid}`, { token: a.access });
    expect([403, 404]).toContain(res.status);
    expect((await call(t, 'GET', '/v1/me', { token: bob.access })).status).toBe(200);
  });
  it('a malleated copy of a revoked token (high-S signature, re-encoded header, new jti, lower-case scheme)', async () => {
    const a = await logIn(t, ada.email);
    await call(t, 'POST', '/v1/auth/logout', { token: a.access });
    const [h, p, s] = a.access.split('.') as [string, string, string];
    const sig = Buffer.from(s, 'base64url');
    const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    const sBig = BigInt(`0x${sig.subarray(32).toString('hex')}`);
    const highS = Buffer.from((n - sBig).toString(16).padStart(64, '0'), 'hex');
    await expectInvalidToken(t, `${h}.${p}.${b64u(Buffer.concat([sig.subarray(0, 32), highS]))}`);
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    await expectInvalidToken(
      t,
      signEs(
        t,
        b64u(` ${JSON.stringify({ ...JSON.parse(Buffer.from(h, 'base64url').toString()) })}`),
        json64(claims),
      ),
    );
    await expectInvalidToken(t, forge(t, ada, { sid: a.sid, jti: 'fresh' }));
    const lower = await call(t, 'GET', '/v1/me', {
      headers: { authorization: `bearer ${a.access}` },
    });
    expect(lower.status).toBe(401);
  });
});

describe('lifecycle: refresh rotation, reuse and races (RFC 9700 §4.14.2)', () => {
  it('a rotated refresh token replayed after the reuse window ends the whole session', async () => {
    const a = await logIn(t, ada.email);
    const r1 = await call(t, 'POST', '/v1/auth/refresh', { body: { refresh_token: a.refresh } });
    expect(r1.status).toBe(200);
    await new Promise((r) => setTimeout(r, 2100));
    const replay = await call(t, 'POST', '/v1/auth/refresh', {
      body: { refresh_token: a.refresh },
    });
    expect(replay.status).toBe(401);
    expect(replay.json.error).toBe('invalid_grant');
    // The thief's copy killed the family: the legitimate newest tokens die too.
    const next = await call(t, 'POST', '/v1/auth/refresh', {
      body: { refresh_token: r1.json.refresh_token },
    });
    expect(next.status).toBe(401);
    await expectInvalidToken(t, r1.json.access_token);
  });
  it('concurrent refreshes with one token inside the window all succeed and the session lives', async () => {
    const a = await logIn(t, ada.email);
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        call(t, 'POST', '/v1/auth/refresh', { body: { refresh_token: a.refresh } }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    const last = results.at(-1)!;
    expect((await call(t, 'GET', '/v1/me', { token: last.json.access_token })).status).toBe(200);
  });
  it.each([
    ['a flipped character', (r: string) => `${r.slice(0, -1)}${r.at(-1) === 'A' ? 'B' : 'A'}`],
    ['truncated', (r: string) => r.slice(0, 20)],
    ['padded with spaces', (r: string) => ` ${r} `],
    ['upper-cased', (r: string) => r.toUpperCase()],
    ['empty string', () => ''],
    ['10 KB', () => 'r'.repeat(10_000)],
  ])(
    'a refresh token %s is invalid_grant or invalid_request, never a 5xx',
    async (_name, mangle) => {
      const a = await logIn(t, ada.email);
      const res = await call(t, 'POST', '/v1/auth/refresh', {
        body: { refresh_token: mangle(a.refresh) },
      });
      expect([400, 401]).toContain(res.status);
      // The real one still works: a guess does not end the session.
      expect(
        (await call(t, 'POST', '/v1/auth/refresh', { body: { refresh_token: a.refresh } })).status,
      ).toBe(200);
    },
  );
  it('the refresh token in a query string is ignored', async () => {
    const a = await logIn(t, ada.email);
    const res = await call(t, 'POST', `/v1/auth/refresh?refresh_token=${a.refresh}`, { body: {} });
    expect(res.status).toBe(401);
  });
});
