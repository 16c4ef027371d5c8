import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, ISSUER, signUp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';

describe.each(testDatabases)('accounts on $name', (db) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(db);
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, payload: payload as object, headers });

  describe('register', () => {
    it('creates a user and answers 201 with the public shape only', async () => {
      const res = await post('/v1/auth/register', {
        email: '  Ada@Example.COM ',
        password: 'pässwörd-1',
        name: 'Ada',
      });
      expect(res.statusCode).toBe(201);
      const user = res.json();
      expect(Object.keys(user).sort()).toEqual(
        [
          'avatar_url',
          'created_at',
          'email',
          'id',
          'name',
          'phone',
          'phone_token',
          'updated_at',
        ].sort(),
      );
      expect(user.email).toBe('ada@example.com');
      expect(user.name).toBe('Ada');
      expect(res.body).not.toContain('argon2');
    });

    it('refuses the same email in another case or with spaces (409 email_taken)', async () => {
      const res = await post('/v1/auth/register', {
        email: 'ADA@example.com ',
        password: 'another-pass',
      });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toEqual({ error: 'email_taken', error_description: expect.any(String) });
    });

    it('rejects mass assignment: unknown fields such as admin, role, id or scope', async () => {
      for (const field of ['admin', 'role', 'id', 'scope', 'is_admin', 'password_hash']) {
        const res = await post('/v1/auth/register', {
          email: `m-${field}@example.com`,
          password: 'long enough',
          [field]: true,
        });
        expect(res.statusCode).toBe(400);
        expect(res.json().error).toBe('invalid_request');
        expect(res.json().error_description).toContain(field);
      }
    });

    it('counts password length in characters: 8 emoji pass, 7 fail, 257 fail, 256 pass', async () => {
      const ok8 = await post('/v1/auth/register', {
        email: 'emoji8@example.com',
        password: '🔑'.repeat(8),
      });
      expect(ok8.statusCode).toBe(201);
      const bad7 = await post('/v1/auth/register', {
        email: 'emoji7@example.com',
        password: '🔑'.repeat(7),
      });
      expect(bad7.statusCode).toBe(400);
      expect(bad7.json().error_description).toContain('password');
      const bad257 = await post('/v1/auth/register', {
        email: 'long257@example.com',
        password: 'a'.repeat(257),
      });
      expect(bad257.statusCode).toBe(400);
      const ok256 = await post('/v1/auth/register', {
        email: 'long256@example.com',
        password: 'é'.repeat(256),
      });
      expect(ok256.statusCode).toBe(201);
    });

    it('never truncates a password: a long one differing only in its last character fails', async () => {
      const password = `${'x'.repeat(200)}A`;
      expect(
        (await post('/v1/auth/register', { email: 'trunc@example.com', password })).statusCode,
      ).toBe(201);
      const wrong = await post('/v1/auth/login', {
        email: 'trunc@example.com',
        password: `${'x'.repeat(200)}B`,
      });
      expect(wrong.statusCode).toBe(401);
      const right = await post('/v1/auth/login', { email: 'trunc@example.com', password });
      expect(right.statusCode).toBe(200);
    });

    it('validates types and formats, naming the field and never echoing the value', async () => {
      const cases: Array<[unknown, string]> = [
        [{ email: 'not-an-email', password: 'long enough' }, 'email'],
        [{ email: 42, password: 'long enough' }, 'email'],
        [{ email: 'x@example.com', password: ['a'] }, 'password'],
        [{ email: 'x@example.com' }, 'password'],
        [{ email: 'x@example.com', password: 'long enough', name: { $ne: 1 } }, 'name'],
      ];
      for (const [payload, field] of cases) {
        const res = await post('/v1/auth/register', payload);
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(res.json().error_description).toContain(field);
        expect(res.body).not.toContain('long enough');
      }
    });
  });

  describe('request hygiene', () => {
    it('answers 415 to anything but JSON: form, text/plain, multipart', async () => {
      for (const type of [
        'application/x-www-form-urlencoded',
        'text/plain',
        'multipart/form-data; boundary=x',
      ]) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          headers: { 'content-type': type },
          payload: 'email=a@b.c&password=12345678',
        });
        expect(res.statusCode, type).toBe(415);
        expect(res.json().error).toBe('unsupported_media_type');
      }
    });

    it('answers 400 to malformed JSON without quoting it back', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: '{"email":"a@b.c","password":"hunter2-secret"',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_request');
      expect(res.body).not.toContain('hunter2');
    });

    it('refuses prototype-poisoned JSON', async () => {
      for (const payload of [
        '{"email":"a@b.c","password":"12345678","__proto__":{"admin":true}}',
        '{"email":"a@b.c","password":"12345678","constructor":{"prototype":{"admin":true}}}',
      ]) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/auth/register',
          headers: { 'content-type': 'application/json' },
          payload,
        });
        expect(res.statusCode).toBe(400);
        expect(res.json().error).toBe('invalid_request');
        expect(({} as Record<string, unknown>).admin).toBeUndefined();
      }
    });

    it('answers 413 to a body over the limit', async () => {
      const res = await post('/v1/auth/register', {
        email: 'big@example.com',
        password: 'x'.repeat(200_000),
      });
      expect(res.statusCode).toBe(413);
      expect(res.json().error).toBe('payload_too_large');
    });

    it('answers 404 not_found in the error shape', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/v1/nope?token=secret' });
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toBe('not_found');
      expect(res.body).not.toContain('secret');
    });

    it('sends security headers and no-store on the API', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/v1/me' });
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(String(res.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    });
  });

  describe('login', () => {
    it('issues an RFC 9068 access token that jose verifies against the JWKS', async () => {
      const session = await signUp(t.app);
      const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
      const { payload, protectedHeader } = await jwtVerify(
        session.access_token,
        createLocalJWKSet(jwks),
        {
          issuer: ISSUER,
          audience: ISSUER,
          typ: 'at+jwt',
          currentDate: new Date(t.ctx.now()),
        },
      );
      expect(protectedHeader.alg).toBe('ES256');
      expect(protectedHeader.kid).toBe(t.ctx.keys.signingKey.kid);
      expect(payload.sub).toBe(session.user.id);
      expect(payload.sid).toBe(session.session_id);
      expect(payload.scope).toBe('profile vault');
      expect(typeof payload.jti).toBe('string');
      expect(payload.exp! - payload.iat!).toBe(900);
    });

    it('answers an unknown email and a wrong password with byte-identical 401s', async () => {
      const { email } = await signUp(t.app);
      const wrong = await post('/v1/auth/login', { email, password: 'wrong password' });
      const unknown = await post('/v1/auth/login', {
        email: 'nobody@example.com',
        password: 'wrong password',
      });
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(wrong.body).toBe(unknown.body);
      expect(wrong.json().error).toBe('invalid_credentials');
      const headers = (h: Record<string, unknown>) => {
        // The per-address rate-limit counters move with every request, whatever the account.
        const {
          date: _d,
          'content-length': _l,
          'x-ratelimit-remaining': _r,
          'x-ratelimit-reset': _t,
          ...rest
        } = h;
        return rest;
      };
      expect(headers(wrong.headers)).toEqual(headers(unknown.headers));
    });

    it('accepts the email in any case and with spaces', async () => {
      const { email, password } = await signUp(t.app);
      const res = await post('/v1/auth/login', { email: ` ${email.toUpperCase()} `, password });
      expect(res.statusCode).toBe(200);
    });
  });

  describe('protected routes', () => {
    it('GET /v1/me returns the caller', async () => {
      const s = await signUp(t.app);
      const res = await t.app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: bearer(s.access_token),
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().id).toBe(s.user.id);
    });

    it('refuses missing, malformed and tampered tokens with one body and WWW-Authenticate', async () => {
      const s = await signUp(t.app);
      const [h, p, sig] = s.access_token.split('.');
      const forged = Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'x' }),
      );
      const attempts: Array<Record<string, string>> = [
        {},
        { authorization: 'Bearer' },
        { authorization: 'Basic abc' },
        { authorization: `Bearer ${s.access_token} extra` },
        { authorization: `Bearer ${h}.${forged.toString('base64url')}.${sig}` },
        { authorization: `Bearer ${s.access_token.slice(0, -2)}` },
        { authorization: `Bearer ${h}.${p}.` },
      ];
      const bodies = new Set<string>();
      for (const headers of attempts) {
        const res = await t.app.inject({ method: 'GET', url: '/v1/me', headers });
        expect(res.statusCode).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
        bodies.add(res.body);
      }
      expect(bodies.size).toBe(1);
    });

    it('never takes a token from the query string', async () => {
      const s = await signUp(t.app);
      const res = await t.app.inject({
        method: 'GET',
        url: `/v1/me?access_token=${s.access_token}`,
      });
      expect(res.statusCode).toBe(401);
    });

    it('refuses an expired token (frozen clock past exp + leeway)', async () => {
      const s = await signUp(t.app);
      t.advance(901_000 + 31_000);
      try {
        const res = await t.app.inject({
          method: 'GET',
          url: '/v1/me',
          headers: bearer(s.access_token),
        });
        expect(res.statusCode).toBe(401);
      } finally {
        t.advance(-(901_000 + 31_000));
      }
    });

    it('refuses the token of a session that has ended', async () => {
      const s = await signUp(t.app);
      await t.ctx.store.sessions.revoke(s.session_id, t.ctx.now());
      const res = await t.app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: bearer(s.access_token),
      });
      expect(res.statusCode).toBe(401);
    });

    it('PATCH /v1/me updates name and avatar_url, and rejects other fields', async () => {
      const s = await signUp(t.app);
      const ok = await t.app.inject({
        method: 'PATCH',
        url: '/v1/me',
        headers: bearer(s.access_token),
        payload: { name: 'Grace', avatar_url: 'https://example.com/a.png' },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ name: 'Grace', avatar_url: 'https://example.com/a.png' });
      for (const payload of [
        { email: 'x@example.com' },
        { avatar_url: 'javascript:alert(1)' },
        { is_admin: true },
      ]) {
        const res = await t.app.inject({
          method: 'PATCH',
          url: '/v1/me',
          headers: bearer(s.access_token),
          payload,
        });
        expect(res.statusCode).toBe(400);
      }
    });

    it('GET /v1/users/{id}: own id 200, another user 403 forbidden, admin may read any', async () => {
      const a = await signUp(t.app);
      const b = await signUp(t.app);
      const own = await t.app.inject({
        method: 'GET',
        url: `/v1/users/${a.user.id}`,
        headers: bearer(a.access_token),
      });
      expect(own.statusCode).toBe(200);
      const other = await t.app.inject({
        method: 'GET',
        url: `/v1/users/${b.user.id}`,
        headers: bearer(a.access_token),
      });
      expect(other.statusCode).toBe(403);
      expect(other.json().error).toBe('forbidden');

      const { register } = await import('../src/accounts/service.js');
      await register(t.ctx, { email: 'root@example.com', password: 'admin password', admin: true });
      const admin = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: 'root@example.com', password: 'admin password' },
      });
      expect(admin.json().user.email).toBe('root@example.com');
      const token = admin.json().access_token as string;
      const read = await t.app.inject({
        method: 'GET',
        url: `/v1/users/${b.user.id}`,
        headers: bearer(token),
      });
      expect(read.statusCode).toBe(200);
      const missing = await t.app.inject({
        method: 'GET',
        url: '/v1/users/nope',
        headers: bearer(token),
      });
      expect(missing.statusCode).toBe(404);
    });
  });

  describe('logs', () => {
    it('hold no password, token or authorization header', async () => {
      const s = await signUp(t.app, 'logged@example.com', 'log-secret-password');
      await t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(s.access_token) });
      await post('/v1/auth/login', { email: 'logged@example.com', password: 'log-wrong-password' });
      const all = t.logs.join('');
      expect(all.length).toBeGreaterThan(0);
      expect(all).not.toContain('log-secret-password');
      expect(all).not.toContain('log-wrong-password');
      expect(all).not.toContain(s.access_token);
      expect(all).not.toContain(s.access_token.split('.')[2]!);
    });
  });
});
