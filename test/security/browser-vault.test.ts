/**
 * Browser-side attacks on the cookie routes (CSRF, CORS, cookie flags, session fixation, open
 * redirects) and vault authorization, black box over HTTP.
 *
 * Sources: OWASP CSRF Prevention Cheat Sheet (Origin verification, Fetch Metadata, "simple"
 * requests: form and text/plain posts need no preflight), PortSwigger "CORS" (reflected origins,
 * `null` origin, suffix/prefix matching bugs), RFC 6265bis §4.1.2.7 (SameSite), OWASP ASVS 4.0.3
 * V3.4 (cookie attributes), V3.2.1 (new session token on authentication: session fixation),
 * V5.1.5 (open redirects), V4.2.1 (IDOR), V8.3.1 (sensitive data not in errors), CWE-639
 * (authorization bypass through a user-controlled key), OWASP API1:2023 (BOLA).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../packages/server/test/helpers/cli.js';
import {
  type Account,
  ALLOWED_ORIGIN,
  call,
  type Reply,
  signUp,
  startTarget,
  type Target,
} from './helpers.js';

let t: Target;
let ada: Account;
let bob: Account;

beforeAll(async () => {
  t = await startTarget();
  [ada, bob] = await Promise.all([signUp(t), signUp(t)]);
});
afterAll(async () => {
  await t?.stop();
});

const json = { 'content-type': 'application/json' };
const cookieOf = (res: Reply) =>
  /tessera_refresh=([^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1];

async function cookieLogin(who: Account = ada, extra: Record<string, string> = {}) {
  const res = await call(t, 'POST', '/v1/auth/login', {
    body: { email: who.email, password: who.password, transport: 'cookie' },
    headers: { origin: ALLOWED_ORIGIN, ...extra },
  });
  expect(res.status).toBe(200);
  const cookie = cookieOf(res);
  expect(cookie).toBeTruthy();
  return { res, cookie: cookie! };
}

const refreshWithCookie = (cookie: string, headers: Record<string, string>, raw = '{}') =>
  call(t, 'POST', '/v1/auth/refresh', {
    raw,
    headers: { cookie: `tessera_refresh=${cookie}`, ...headers },
  });

describe('cookie flags (ASVS V3.4, RFC 6265bis)', () => {
  it('the refresh cookie is HttpOnly, SameSite=Strict, Secure, Path=/v1/auth, and not in the body', async () => {
    const { res } = await cookieLogin();
    const set = res.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    expect(set).toMatch(/Secure/i);
    expect(set).toMatch(/Path=\/v1\/auth(;|$)/i);
    expect(set).not.toMatch(/Domain=/i);
    expect(res.json.refresh_token).toBeUndefined();
  });
});

describe('cross-site requests on cookie routes (OWASP CSRF cheat sheet)', () => {
  const hostile: [string, Record<string, string>][] = [
    ['no Origin', {}],
    ['Origin: null (sandboxed iframe, data: URL)', { origin: 'null' }],
    ['a hostile origin', { origin: 'https://evil.example' }],
    ['the allowed origin as a prefix', { origin: `${ALLOWED_ORIGIN}.evil.example` }],
    ['the allowed origin as a suffix', { origin: `https://evil${ALLOWED_ORIGIN.slice(8)}` }],
    ['another scheme', { origin: ALLOWED_ORIGIN.replace('https:', 'http:') }],
    ['an explicit port', { origin: `${ALLOWED_ORIGIN}:443` }],
    ['upper case', { origin: ALLOWED_ORIGIN.toUpperCase() }],
    ['a Referer of the allowed origin but no Origin', { referer: `${ALLOWED_ORIGIN}/page` }],
    [
      'the allowed origin with Sec-Fetch-Site: cross-site',
      { origin: ALLOWED_ORIGIN, 'sec-fetch-site': 'cross-site' },
    ],
  ];
  it.each(hostile.map(([n, h]) => [n, h] as const))(
    'refresh by cookie with %s is 403 and rotates nothing',
    async (_n, headers) => {
      const { cookie } = await cookieLogin();
      const res = await refreshWithCookie(cookie, { ...json, ...headers });
      expect(res.status).toBe(403);
      expect(res.json.error).toBe('forbidden');
      // The cookie was not consumed: the real page can still use it.
      expect((await refreshWithCookie(cookie, { ...json, origin: ALLOWED_ORIGIN })).status).toBe(
        200,
      );
    },
  );
  it.each([
    ['an HTML form (urlencoded)', 'application/x-www-form-urlencoded', 'a=1'],
    ['text/plain', 'text/plain', '{}'],
    ['multipart', 'multipart/form-data; boundary=x', '--x--'],
  ])(
    'refresh by cookie posted as %s is refused (415), even from the allowed origin',
    async (_n, type, raw) => {
      const { cookie } = await cookieLogin();
      const res = await refreshWithCookie(
        cookie,
        { 'content-type': type, origin: ALLOWED_ORIGIN },
        raw,
      );
      expect(res.status).toBe(415);
    },
  );
  it('logout by cookie from a hostile origin is 403 and the session lives on', async () => {
    const { cookie, res } = await cookieLogin();
    const out = await call(t, 'POST', '/v1/auth/logout', {
      raw: '{}',
      headers: { ...json, cookie: `tessera_refresh=${cookie}`, origin: 'https://evil.example' },
    });
    expect(out.status).toBe(403);
    expect((await call(t, 'GET', '/v1/me', { token: res.json.access_token })).status).toBe(200);
  });
  it('asking for a cookie at login from a hostile origin is 403 (login CSRF)', async () => {
    const res = await call(t, 'POST', '/v1/auth/login', {
      body: { email: ada.email, password: ada.password, transport: 'cookie' },
      headers: { origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });
});

describe('CORS with hostile origins (PortSwigger CORS)', () => {
  it.each([
    ['https://evil.example'],
    ['null'],
    [`${ALLOWED_ORIGIN}.evil.example`],
    [`https://x${ALLOWED_ORIGIN.slice(8)}`],
  ])('preflight from %s gets no Access-Control-Allow-Origin', async (origin) => {
    const res = await call(t, 'OPTIONS', '/v1/auth/refresh', {
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });
  it('a hostile origin reading /v1/me gets no CORS headers; the allowed one gets an exact echo, never *', async () => {
    const evil = await call(t, 'GET', '/v1/me', {
      token: ada.access,
      headers: { origin: 'https://evil.example' },
    });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const good = await call(t, 'GET', '/v1/me', {
      token: ada.access,
      headers: { origin: ALLOWED_ORIGIN },
    });
    expect(good.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(good.headers.get('vary') ?? '').toMatch(/origin/i);
  });
});

describe('session fixation (ASVS V3.2.1)', () => {
  it('an attacker-planted refresh cookie is ignored at login and replaced by a fresh one', async () => {
    const planted = 'A'.repeat(43);
    const { cookie } = await cookieLogin(ada, { cookie: `tessera_refresh=${planted}` });
    expect(cookie).not.toBe(planted);
    const res = await refreshWithCookie(planted, { ...json, origin: ALLOWED_ORIGIN });
    expect(res.status).toBe(401);
  });
  it("logging in while holding another user's cookie starts a new session for the new user", async () => {
    const first = await cookieLogin(bob);
    const second = await cookieLogin(ada, { cookie: `tessera_refresh=${first.cookie}` });
    expect(second.cookie).not.toBe(first.cookie);
    expect(second.res.json.session_id).not.toBe(first.res.json.session_id);
    expect(second.res.json.user.id).toBe(ada.id);
  });
  it('every login makes a new session id and refresh token', async () => {
    const a = await cookieLogin();
    const b = await cookieLogin();
    expect(a.res.json.session_id).not.toBe(b.res.json.session_id);
    expect(a.cookie).not.toBe(b.cookie);
  });
});

describe('open redirects (ASVS V5.1.5)', () => {
  it.each([
    ['/?next=https://evil.example'],
    ['/?redirect_uri=//evil.example'],
    ['//evil.example/'],
    ['/\\evil.example'],
    ['/v1/auth/login?return_to=https://evil.example'],
    ['/%2F%2Fevil.example'],
  ])('%s never redirects off-site', async (path) => {
    const res = await fetch(`${t.url}${path}`, { redirect: 'manual' });
    await res.arrayBuffer();
    expect(res.status).toBeLessThan(500);
    const location = res.headers.get('location');
    if (location !== null) {
      expect(location.startsWith('/')).toBe(true);
      expect(location.startsWith('//')).toBe(false);
      expect(location).not.toContain('evil');
    }
  });
});

describe('vault authorization (OWASP API1:2023 BOLA, CWE-639)', () => {
  let adaCard: string;
  beforeAll(async () => {
    const res = await call(t, 'POST', '/v1/vault/tokens', {
      token: ada.access,
      body: { type: 'card', value: '4111 1111 1111 1111' },
    });
    expect(res.status).toBe(201);
    adaCard = res.json.token;
  });
  it("another owner's token reads, detokenizes and deletes exactly like a token that never existed (404)", async () => {
    const fake = adaCard.replace(/\d{4}$/, (d) => String((Number(d) + 1) % 10000).padStart(4, '0'));
    for (const tok of [adaCard, fake]) {
      const read = await call(t, 'GET', `/v1/vault/tokens/${tok}`, { token: bob.access });
      expect(read.status).toBe(404);
      const det = await call(t, 'POST', '/v1/vault/detokenize', {
        token: bob.access,
        body: { tokens: [tok] },
      });
      expect(det.status).toBe(404);
      expect(JSON.stringify(det.json)).not.toContain('4111111111111111');
      expect(
        (await call(t, 'DELETE', `/v1/vault/tokens/${tok}`, { token: bob.access })).status,
      ).toBe(404);
    }
    const a = await call(t, 'GET', `/v1/vault/tokens/${adaCard}`, { token: bob.access });
    const b = await call(t, 'GET', `/v1/vault/tokens/${fake}`, { token: bob.access });
    expect(a.text.replace(adaCard, 'T')).toBe(b.text.replace(fake, 'T'));
    const own = await call(t, 'POST', '/v1/vault/detokenize', {
      token: ada.access,
      body: { tokens: [adaCard] },
    });
    expect(own.json.results[0].value).toBe('4111111111111111');
  });
  it("another owner's tokens never appear in a listing", async () => {
    const list = await call(t, 'GET', '/v1/vault/tokens', { token: bob.access });
    expect(list.status).toBe(200);
    expect(list.json.items.map((i: { token: string }) => i.token)).not.toContain(adaCard);
  });
  it('deterministic tokens differ between owners (no cross-tenant correlation)', async () => {
    const body = { type: 'ssn', value: '123-45-6789', deterministic: true };
    const a = await call(t, 'POST', '/v1/vault/tokens', { token: ada.access, body });
    const b = await call(t, 'POST', '/v1/vault/tokens', { token: bob.access, body });
    expect(a.json.token).not.toBe(b.json.token);
  });
  it('a service client without the scope: tokenize 403, detokenize and delete of others 404', async () => {
    const created = await runCli(
      ['client', 'create', '--name', 'reader', '--scopes', 'vault:read'],
      t.env,
    );
    const { client_id, client_secret } = JSON.parse(created.stdout);
    const basic = Buffer.from(`${client_id}:${client_secret}`).toString('base64');
    const tok = await call(t, 'POST', '/v1/oauth/token', {
      headers: { authorization: `Basic ${basic}` },
      body: { grant_type: 'client_credentials' },
    });
    const svc = tok.json.access_token as string;
    expect((await call(t, 'GET', `/v1/vault/tokens/${adaCard}`, { token: svc })).status).toBe(200);
    const tokenize = await call(t, 'POST', '/v1/vault/tokens', {
      token: svc,
      body: { type: 'text', value: 'x' },
    });
    expect(tokenize.status).toBe(403);
    expect(tokenize.json.error).toBe('insufficient_scope');
    expect(
      (await call(t, 'POST', '/v1/vault/detokenize', { token: svc, body: { tokens: [adaCard] } }))
        .status,
    ).toBe(404);
    expect((await call(t, 'DELETE', `/v1/vault/tokens/${adaCard}`, { token: svc })).status).toBe(
      404,
    );
    // Asking for a scope the client was not given is refused, not silently granted.
    const wider = await call(t, 'POST', '/v1/oauth/token', {
      headers: { authorization: `Basic ${basic}` },
      body: { grant_type: 'client_credentials', scope: 'vault:detokenize' },
    });
    expect(wider.status).toBeGreaterThanOrEqual(400);
    expect(wider.status).toBeLessThan(500);
  });
  it('a wrong client secret, and a client id with an empty secret, are refused', async () => {
    const created = await runCli(
      ['client', 'create', '--name', 'x', '--scopes', 'vault:read'],
      t.env,
    );
    const { client_id } = JSON.parse(created.stdout);
    for (const secret of ['wrong', '']) {
      const basic = Buffer.from(`${client_id}:${secret}`).toString('base64');
      const res = await call(t, 'POST', '/v1/oauth/token', {
        headers: { authorization: `Basic ${basic}` },
        body: { grant_type: 'client_credentials' },
      });
      expect(res.status).toBe(401);
    }
  });
  it('detokenize of an expired token is 410 token_expired', async () => {
    const rec = await call(t, 'POST', '/v1/vault/tokens', {
      token: ada.access,
      body: { type: 'text', value: 'short lived', ttl_seconds: 1 },
    });
    await new Promise((r) => setTimeout(r, 1500));
    const det = await call(t, 'POST', '/v1/vault/detokenize', {
      token: ada.access,
      body: { tokens: [rec.json.token] },
    });
    expect(det.status).toBe(410);
    expect(det.json.error).toBe('token_expired');
    expect(det.text).not.toContain('short lived');
  });
  it('detokenize of a deleted token is 404 and the value is gone', async () => {
    const rec = await call(t, 'POST', '/v1/vault/tokens', {
      token: ada.access,
      body: { type: 'text', value: 'delete me please' },
    });
    expect(
      (await call(t, 'DELETE', `/v1/vault/tokens/${rec.json.token}`, { token: ada.access })).status,
    ).toBe(204);
    const det = await call(t, 'POST', '/v1/vault/detokenize', {
      token: ada.access,
      body: { tokens: [rec.json.token] },
    });
    expect(det.status).toBe(404);
    expect(det.text).not.toContain('delete me please');
  });
  it('batch limits: 1001 items to tokenize and 1001 tokens to detokenize are 400', async () => {
    const items = Array.from({ length: 1001 }, () => ({ type: 'text', value: 'v' }));
    expect(
      (await call(t, 'POST', '/v1/vault/tokens/batch', { token: ada.access, body: { items } }))
        .status,
    ).toBe(400);
    const tokens = Array.from({ length: 1001 }, () => adaCard);
    expect(
      (await call(t, 'POST', '/v1/vault/detokenize', { token: ada.access, body: { tokens } }))
        .status,
    ).toBe(400);
  });
  it.each([
    ['card failing Luhn', { type: 'card', value: '4111111111111112' }, '4111111111111112'],
    ['malformed SSN', { type: 'ssn', value: '666-12-3456' }, '666-12-3456'],
    ['malformed PAN', { type: 'pan_in', value: 'ABCDE12345' }, 'ABCDE12345'],
    ['phone without +', { type: 'phone', value: '98765 43210' }, '98765'],
    ['unknown type', { type: 'passport', value: 'Z1234567secret' }, 'Z1234567secret'],
    [
      'text over 64 KiB',
      { type: 'text', value: `SECRETVALUE${'x'.repeat(66_000)}` },
      'SECRETVALUE',
    ],
  ])('values never leak into errors: %s', async (_n, body, needle) => {
    const res = await call(t, 'POST', '/v1/vault/tokens', { token: ada.access, body });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.text).not.toContain(needle);
    const batch = await call(t, 'POST', '/v1/vault/tokens/batch', {
      token: ada.access,
      body: { items: [body] },
    });
    expect(batch.status).toBeLessThan(500);
    expect(batch.text).not.toContain(needle);
  });
  it('the audit log is for admins only', async () => {
    expect((await call(t, 'GET', '/v1/audit', { token: ada.access })).status).toBe(403);
  });
});
