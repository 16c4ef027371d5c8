import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, ISSUER, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';

const PASSWORD = 'correct horse battery';
const JSON_HEADERS = { 'content-type': 'application/json' };

describe.each(testDatabases)('sessions on $name', (db) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(db, { TESSERA_AUTH_RATE_LIMIT: '100000' });
  });
  afterAll(async () => {
    await t?.close();
  });

  let n = 0;
  async function account() {
    const email = `s${n++}-${Date.now()}@example.com`;
    const reg = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email, password: PASSWORD },
    });
    expect(reg.statusCode).toBe(201);
    return email;
  }
  async function login(
    email: string,
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    return t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password: PASSWORD, ...extra },
      headers,
    });
  }
  const refresh = (refresh_token: string) =>
    t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token } });
  const me = (token: string) =>
    t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) });

  describe('refresh tokens', () => {
    it('login returns a 256-bit opaque refresh token, stored only as a hash', async () => {
      const res = await login(await account());
      const body = res.json();
      expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(body.token_type).toBe('Bearer');
      expect(await t.ctx.store.refreshTokens.byHash(body.refresh_token)).toBeUndefined();
    });

    it('rotates on every use: the new pair works, the session id stays', async () => {
      const first = (await login(await account())).json();
      const second = await refresh(first.refresh_token);
      expect(second.statusCode).toBe(200);
      const body = second.json();
      expect(body.refresh_token).not.toBe(first.refresh_token);
      expect(body.session_id).toBe(first.session_id);
      expect((await me(body.access_token)).statusCode).toBe(200);
      const third = await refresh(body.refresh_token);
      expect(third.statusCode).toBe(200);
    });

    it('a rotated token presented after the reuse window ends the whole session', async () => {
      const first = (await login(await account())).json();
      const second = (await refresh(first.refresh_token)).json();
      t.advance(11_000);
      try {
        const replay = await refresh(first.refresh_token);
        expect(replay.statusCode).toBe(401);
        expect(replay.json().error).toBe('invalid_grant');
        // Every token of the family is dead now, the newest one included.
        expect((await refresh(second.refresh_token)).statusCode).toBe(401);
        expect((await me(second.access_token)).statusCode).toBe(401);
      } finally {
        t.advance(-11_000);
      }
    });

    it('inside the window, 10 concurrent refreshes with one token all succeed and the session stays usable', async () => {
      const first = (await login(await account())).json();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => refresh(first.refresh_token)),
      );
      expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
      // Whichever response a tab kept, its token works next.
      for (const r of results) {
        const next = await refresh(r.json().refresh_token);
        expect(next.statusCode).toBe(200);
        break;
      }
      const last = results[results.length - 1]!.json();
      expect((await me(last.access_token)).statusCode).toBe(200);
    });

    it('a token two generations old is reuse even inside the window', async () => {
      const g0 = (await login(await account())).json();
      const g1 = (await refresh(g0.refresh_token)).json();
      const g2 = (await refresh(g1.refresh_token)).json();
      expect((await refresh(g0.refresh_token)).statusCode).toBe(401);
      expect((await refresh(g2.refresh_token)).statusCode).toBe(401);
    });

    it('refuses unknown, malformed and missing refresh tokens with invalid_grant', async () => {
      for (const token of ['x'.repeat(43), 'short', '']) {
        const res = await refresh(token);
        expect(res.statusCode).toBe(401);
        expect(res.json().error).toBe('invalid_grant');
      }
      const none = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: {} });
      expect(none.statusCode).toBe(401);
    });

    it('sessions expire absolutely after TESSERA_SESSION_TTL, refreshes or not', async () => {
      const first = (await login(await account())).json();
      t.advance(1_209_600_000 - 1000);
      let current = first;
      try {
        const next = await refresh(current.refresh_token);
        expect(next.statusCode).toBe(200);
        current = next.json();
        expect(current.expires_in).toBeLessThanOrEqual(1);
        // The JWT itself ends with the session: a resource server cannot be handed more.
        const claims = JSON.parse(
          Buffer.from(current.access_token.split('.')[1], 'base64url').toString(),
        );
        expect(claims.exp - claims.iat).toBeLessThanOrEqual(1);
        t.advance(2000);
        expect((await refresh(current.refresh_token)).statusCode).toBe(401);
      } finally {
        t.advance(-(1_209_600_000 + 1000));
      }
    });
  });

  describe('logout and session management', () => {
    it('logout with the bearer ends the session: its access and refresh tokens die at once', async () => {
      const s = (await login(await account())).json();
      const out = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/logout',
        headers: bearer(s.access_token),
      });
      expect(out.statusCode).toBe(204);
      expect((await me(s.access_token)).statusCode).toBe(401);
      expect((await refresh(s.refresh_token)).statusCode).toBe(401);
    });

    it('lists the sessions of the caller, marks the current one, revokes one and the others', async () => {
      const email = await account();
      const a = (await login(email, {}, { 'user-agent': 'tab-a' })).json();
      const b = (await login(email, {}, { 'user-agent': 'tab-b' })).json();
      const c = (await login(email, {}, { 'user-agent': 'tab-c' })).json();
      const list = await t.app.inject({
        method: 'GET',
        url: '/v1/sessions',
        headers: bearer(a.access_token),
      });
      expect(list.statusCode).toBe(200);
      const sessions = list.json().sessions as Array<{
        id: string;
        current: boolean;
        user_agent: string;
      }>;
      expect(sessions).toHaveLength(3);
      expect(sessions.find((s) => s.current)?.id).toBe(a.session_id);
      expect(sessions.map((s) => s.user_agent).sort()).toEqual(['tab-a', 'tab-b', 'tab-c']);

      const del = await t.app.inject({
        method: 'DELETE',
        url: `/v1/sessions/${b.session_id}`,
        headers: bearer(a.access_token),
      });
      expect(del.statusCode).toBe(204);
      expect((await me(b.access_token)).statusCode).toBe(401);

      const others = await t.app.inject({
        method: 'DELETE',
        url: '/v1/sessions',
        headers: bearer(a.access_token),
      });
      expect(others.statusCode).toBe(204);
      expect((await me(c.access_token)).statusCode).toBe(401);
      expect((await me(a.access_token)).statusCode).toBe(200);
    });

    it("another user's session is not found, and stays alive", async () => {
      const a = (await login(await account())).json();
      const b = (await login(await account())).json();
      const res = await t.app.inject({
        method: 'DELETE',
        url: `/v1/sessions/${b.session_id}`,
        headers: bearer(a.access_token),
      });
      expect(res.statusCode).toBe(404);
      expect((await me(b.access_token)).statusCode).toBe(200);
    });

    it('a password change ends every other session, keeps this one, and the new password works', async () => {
      const email = await account();
      const here = (await login(email)).json();
      const there = (await login(email)).json();
      const wrong = await t.app.inject({
        method: 'POST',
        url: '/v1/me/password',
        headers: bearer(here.access_token),
        payload: { current_password: 'not it at all', new_password: 'a brand new password' },
      });
      expect(wrong.statusCode).toBe(401);
      const ok = await t.app.inject({
        method: 'POST',
        url: '/v1/me/password',
        headers: bearer(here.access_token),
        payload: { current_password: PASSWORD, new_password: 'a brand new password' },
      });
      expect(ok.statusCode).toBe(204);
      expect((await me(there.access_token)).statusCode).toBe(401);
      expect((await refresh(there.refresh_token)).statusCode).toBe(401);
      expect((await me(here.access_token)).statusCode).toBe(200);
      expect((await login(email)).statusCode).toBe(401);
      const fresh = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email, password: 'a brand new password' },
      });
      expect(fresh.statusCode).toBe(200);
    });
  });

  describe('cookie transport', () => {
    const origin = { origin: ISSUER };
    const cookieOf = (res: { headers: Record<string, unknown> }) => {
      const raw = res.headers['set-cookie'];
      const line = (Array.isArray(raw) ? raw : [raw]).find((c) =>
        String(c).startsWith('tessera_refresh='),
      );
      return String(line ?? '');
    };

    it('puts the refresh token only in an HttpOnly, SameSite=Strict, Secure cookie scoped to /v1/auth', async () => {
      const res = await login(await account(), { transport: 'cookie' }, origin);
      expect(res.statusCode).toBe(200);
      expect(res.json().refresh_token).toBeUndefined();
      const cookie = cookieOf(res);
      expect(cookie).toMatch(/^tessera_refresh=[A-Za-z0-9_-]{43};/);
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Strict');
      expect(cookie).toContain('Secure');
      expect(cookie).toContain('Path=/v1/auth');
      expect(cookie).toMatch(/Max-Age=\d+/);
    });

    it('refreshes and logs out with the cookie from an allowed origin, and clears it', async () => {
      const res = await login(await account(), { transport: 'cookie' }, origin);
      const value = cookieOf(res).split(';')[0]!;
      const next = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/refresh',
        headers: { ...JSON_HEADERS, ...origin, cookie: value },
        payload: {},
      });
      expect(next.statusCode).toBe(200);
      expect(next.json().refresh_token).toBeUndefined();
      const rotated = cookieOf(next).split(';')[0]!;
      expect(rotated).not.toBe(value);
      const out = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/logout',
        headers: { ...JSON_HEADERS, ...origin, cookie: rotated },
        payload: {},
      });
      expect(out.statusCode).toBe(204);
      expect(cookieOf(out)).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/);
      expect((await me(next.json().access_token)).statusCode).toBe(401);
    });

    it('refuses cookie requests from a foreign, null or missing Origin, and non-JSON bodies', async () => {
      const res = await login(await account(), { transport: 'cookie' }, origin);
      const value = cookieOf(res).split(';')[0]!;
      for (const headers of [
        { ...JSON_HEADERS, origin: 'https://evil.example', cookie: value },
        { ...JSON_HEADERS, origin: 'null', cookie: value },
        { ...JSON_HEADERS, cookie: value },
        { ...JSON_HEADERS, ...origin, 'sec-fetch-site': 'cross-site', cookie: value },
      ]) {
        const r = await t.app.inject({
          method: 'POST',
          url: '/v1/auth/refresh',
          headers,
          payload: {},
        });
        expect(r.statusCode, JSON.stringify(headers)).toBe(403);
        expect(r.json().error).toBe('forbidden');
      }
      for (const type of [
        'application/x-www-form-urlencoded',
        'text/plain',
        'multipart/form-data; boundary=x',
      ]) {
        const r = await t.app.inject({
          method: 'POST',
          url: '/v1/auth/refresh',
          headers: { ...origin, cookie: value, 'content-type': type },
          payload: 'a=b',
        });
        expect(r.statusCode, type).toBe(415);
      }
      const login2 = await login(
        'x@example.com',
        { transport: 'cookie' },
        { origin: 'https://evil.example' },
      );
      expect(login2.statusCode).toBe(403);
    });

    it('answers CORS only for allowed origins, never reflecting others, with Vary: Origin', async () => {
      const ok = await t.app.inject({
        method: 'OPTIONS',
        url: '/v1/auth/refresh',
        headers: {
          origin: ISSUER,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      expect(ok.headers['access-control-allow-origin']).toBe(ISSUER);
      expect(ok.headers['access-control-allow-credentials']).toBe('true');
      expect(String(ok.headers.vary)).toContain('Origin');
      const evil = await t.app.inject({
        method: 'OPTIONS',
        url: '/v1/auth/refresh',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});
