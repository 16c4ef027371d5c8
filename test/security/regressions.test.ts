/**
 * Findings of the security suite, one regression test each, named after what broke. They run
 * in-process (`inject`) on SQLite and, when TESSERA_TEST_DATABASE_URL is set, PostgreSQL; the
 * black-box cases that found them live beside them in test/security/.
 */
import { randomUUID } from 'node:crypto';
import { signJwt } from '@tessera/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createTestApp,
  ISSUER,
  signUp,
  type TestApp,
} from '../../packages/server/test/helpers/app.js';
import { testDatabases } from '../../packages/server/test/helpers/databases.js';

describe.each(testDatabases)('security regressions on $name', (db) => {
  let h: TestApp;
  beforeAll(async () => {
    h = await createTestApp(db);
  });
  afterAll(async () => {
    await h?.close();
  });

  // Found by test/security/fuzz.test.ts (PATCH /v1/me with phone "+9324662"): a valid E.164
  // number whose token space is below the vault's minimum passed checkPhone, then the vault
  // refused it and setPhone threw a plain Error: 500, and on register the account row was
  // already written, so the "failed" sign-up had in fact created the account.
  it('a phone number too short to tokenize was a 500 on register and PATCH /v1/me (and left the account behind)', async () => {
    const email = `short-phone-${randomUUID()}@example.com`;
    const reg = await h.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email, password: 'correct horse battery', phone: '+9324662' },
    });
    expect(reg.statusCode).toBe(400);
    expect(reg.json()).toMatchObject({ error: 'invalid_request' });
    expect(reg.json().error_description).toMatch(/^phone:/);
    expect(reg.body).not.toContain('9324662');
    // Nothing was created: the same email registers fine afterwards.
    const again = await h.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email, password: 'correct horse battery' },
    });
    expect(again.statusCode).toBe(201);

    const user = await signUp(h.app);
    const patch = await h.app.inject({
      method: 'PATCH',
      url: '/v1/me',
      headers: bearer(user.access_token),
      payload: { phone: '+9324662' },
    });
    expect(patch.statusCode).toBe(400);
    expect(patch.json().error_description).toMatch(/^phone:/);
    const ok = await h.app.inject({
      method: 'PATCH',
      url: '/v1/me',
      headers: bearer(user.access_token),
      payload: { phone: '+919876543210' },
    });
    expect(ok.statusCode).toBe(200);
  });

  // Found by test/security/claims-lifecycle.test.ts: verifyJwt types the registered claims only,
  // and requireAuth called `claims.scope.split(' ')`, so a correctly signed token whose `scope`
  // was an array answered 500 instead of the one 401 `invalid_token`.
  it.each([
    ['scope is an array', { scope: ['profile', 'vault', 'admin'] }],
    ['scope is missing a string form (a number)', { scope: 7 }],
    ['sid is a number', { sid: 1 }],
    ['client_id is an object', { client_id: { id: 'x' } }],
  ])('a signed token whose %s was a 500, is 401 invalid_token', async (_name, override) => {
    const user = await signUp(h.app);
    const now = Math.floor(h.ctx.now() / 1000);
    const claims = {
      iss: ISSUER,
      sub: user.user.id,
      aud: ISSUER,
      exp: now + 600,
      iat: now,
      jti: randomUUID(),
      sid: user.session_id,
      scope: 'profile vault',
      ...override,
    };
    const token = signJwt(claims as never, h.ctx.keys.signingKey);
    const res = await h.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('invalid_token');
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  // Found by test/security/exhaustion.test.ts: vault `metadata` is free-form JSON, and the
  // service measured it with JSON.stringify, which recurses; metadata nested 5 000 levels deep
  // (40 KB, well inside the 512 KiB body limit) overflowed the stack: 500 on tokenize and on a
  // whole batch.
  it('vault metadata nested thousands of levels deep was a 500 (stack overflow), is a 400', async () => {
    const user = await signUp(h.app);
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const single = await h.app.inject({
      method: 'POST',
      url: '/v1/vault/tokens',
      headers: { ...bearer(user.access_token), 'content-type': 'application/json' },
      payload: `{"type":"text","value":"v","metadata":{"a":${deep(5000)}}}`,
    });
    expect(single.statusCode).toBe(400);
    expect(single.json().error_description).toMatch(/^metadata:/);
    const batch = await h.app.inject({
      method: 'POST',
      url: '/v1/vault/tokens/batch',
      headers: { ...bearer(user.access_token), 'content-type': 'application/json' },
      payload: `{"items":[{"type":"text","value":"v","metadata":{"a":${deep(5000)}}},{"type":"text","value":"w"}]}`,
    });
    expect(batch.statusCode).toBe(200);
    const [bad, good] = batch.json().results;
    expect(bad.error).toBe('invalid_request');
    expect(good.token).toMatch(/^tok_/);
    // Ordinary nesting still works.
    const ok = await h.app.inject({
      method: 'POST',
      url: '/v1/vault/tokens',
      headers: bearer(user.access_token),
      payload: { type: 'text', value: 'v', metadata: { order: { id: 7, tags: ['a', 'b'] } } },
    });
    expect(ok.statusCode).toBe(201);
  });

  // Found by probing the fuzz inputs on PostgreSQL: PostgreSQL refuses U+0000 in text
  // (SQLSTATE 22021), which surfaced as a 500 from login, register, profile updates, vault
  // reads and detokenize, session deletion and the token endpoint. SQLite stores it.
  it('a NUL character in an email, name, token or client id was a 500 on PostgreSQL', async () => {
    const user = await signUp(h.app);
    const basic = Buffer.from('tsc_\u0000:secret').toString('base64');
    const requests = [
      {
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: 'a\u0000@example.com', password: 'whatever12' },
      },
      {
        method: 'POST',
        url: '/v1/auth/register',
        payload: { email: 'b\u0000b@example.com', password: 'whatever12' },
      },
      {
        method: 'PATCH',
        url: '/v1/me',
        payload: { name: 'x\u0000y' },
        headers: bearer(user.access_token),
      },
      {
        method: 'POST',
        url: '/v1/vault/detokenize',
        payload: { tokens: ['tok_\u0000'] },
        headers: bearer(user.access_token),
      },
      { method: 'GET', url: '/v1/vault/tokens/%00', headers: bearer(user.access_token) },
      { method: 'DELETE', url: '/v1/sessions/%00', headers: bearer(user.access_token) },
      {
        method: 'POST',
        url: '/v1/oauth/token',
        payload: { grant_type: 'client_credentials' },
        headers: { authorization: `Basic ${basic}` },
      },
    ] as const;
    for (const request of requests) {
      const res = await h.app.inject(request);
      const what = `${request.method} ${request.url}`;
      expect(res.statusCode, what).toBeLessThan(500);
      // SQLite stores a NUL (a name may hold one); PostgreSQL cannot, and that is a 400.
      if (db.name === 'postgres') expect(res.statusCode, what).toBeGreaterThanOrEqual(400);
    }
    // The user and the database are fine afterwards.
    const me = await h.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: bearer(user.access_token),
    });
    expect(me.statusCode).toBe(200);
  });

  // Found with the NUL case above: the email check allowed control and format characters, so
  // `ada@example.com` plus a zero-width space (or a NUL, on SQLite) registered a second
  // account whose address renders exactly like ada's: a phishing twin.
  it('an email with a zero-width or control character registered a twin that looks identical', async () => {
    const email = `twin-${randomUUID().slice(0, 8)}@example.com`;
    await signUp(h.app, email);
    for (const twin of [
      `${email}\u200b`,
      email.replace('@', '\u200b@'),
      `${email}\u0000`,
      `\u202e${email}`,
    ]) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { email: twin, password: 'correct horse battery' },
      });
      expect(res.statusCode, JSON.stringify(twin)).toBe(400);
      expect(res.json().error_description).toMatch(/^email:/);
    }
  });
});
