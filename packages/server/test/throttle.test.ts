import { describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { testDatabases } from './helpers/databases.js';

const PASSWORD = 'correct horse battery';

async function withApp(
  db: (typeof testDatabases)[number],
  env: Record<string, string>,
  fn: (t: TestApp) => Promise<void>,
) {
  const t = await createTestApp(db, { TESSERA_AUTH_RATE_LIMIT: '100000', ...env });
  try {
    await fn(t);
  } finally {
    await t.close();
  }
}

async function register(t: TestApp, email: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email, password: PASSWORD },
  });
  expect(res.statusCode).toBe(201);
}

function attempt(
  t: TestApp,
  email: string,
  password: string,
  headers: Record<string, string> = {},
) {
  return t.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password },
    headers,
  });
}

describe.each(testDatabases)('login throttling on $name', (db) => {
  it('50 parallel wrong passwords: exactly the threshold reach the password check, the rest get 429', async () => {
    await withApp(db, {}, async (t) => {
      await register(t, 'victim@example.com');
      const results = await Promise.all(
        Array.from({ length: 50 }, () => attempt(t, 'victim@example.com', 'wrong password')),
      );
      const codes = results.map((r) => r.statusCode);
      expect(codes.filter((c) => c === 401)).toHaveLength(10);
      expect(codes.filter((c) => c === 429)).toHaveLength(40);
      const limited = results.find((r) => r.statusCode === 429)!;
      expect(limited.json().error).toBe('rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Even the right password waits for the window now.
      expect((await attempt(t, 'victim@example.com', PASSWORD)).statusCode).toBe(429);
    });
  });

  it('the real user logs in once the window has passed', async () => {
    await withApp(db, {}, async (t) => {
      await register(t, 'patient@example.com');
      for (let i = 0; i < 11; i++) await attempt(t, 'patient@example.com', 'wrong password');
      expect((await attempt(t, 'patient@example.com', PASSWORD)).statusCode).toBe(429);
      t.advance(900_000);
      expect((await attempt(t, 'patient@example.com', PASSWORD)).statusCode).toBe(200);
    });
  });

  it('a success resets the account count', async () => {
    await withApp(db, {}, async (t) => {
      await register(t, 'typo@example.com');
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 9; i++)
          expect((await attempt(t, 'typo@example.com', 'wrong')).statusCode).toBe(401);
        expect((await attempt(t, 'typo@example.com', PASSWORD)).statusCode).toBe(200);
      }
    });
  });

  it('rotating X-Forwarded-For (proxy trusted) does not reset the per-account count', async () => {
    await withApp(db, { TESSERA_TRUST_PROXY: 'true' }, async (t) => {
      await register(t, 'spoofed@example.com');
      const codes: number[] = [];
      for (let i = 0; i < 15; i++) {
        const res = await attempt(t, 'spoofed@example.com', 'wrong', {
          'x-forwarded-for': `198.51.100.${i}`,
        });
        codes.push(res.statusCode);
      }
      expect(codes.filter((c) => c === 401)).toHaveLength(10);
      expect(codes.slice(10)).toEqual([429, 429, 429, 429, 429]);
    });
  });

  it('ignores X-Forwarded-For unless TESSERA_TRUST_PROXY is set: the per-address count holds', async () => {
    await withApp(db, { TESSERA_LOGIN_MAX_PER_ADDRESS: '5' }, async (t) => {
      const codes: number[] = [];
      for (let i = 0; i < 8; i++) {
        // A different account each time: only the address counter can stop this spray.
        const res = await attempt(t, `spray${i}@example.com`, 'wrong', {
          'x-forwarded-for': `203.0.113.${i}`,
        });
        codes.push(res.statusCode);
      }
      expect(codes).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    });
  });

  it('throttles unknown emails exactly like known ones (no enumeration through 429s)', async () => {
    await withApp(db, {}, async (t) => {
      await register(t, 'known@example.com');
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 12; i++) {
        known.push((await attempt(t, 'known@example.com', 'wrong')).statusCode);
        unknown.push((await attempt(t, 'unknown@example.com', 'wrong')).statusCode);
      }
      expect(unknown).toEqual(known);
    });
  });

  it('applies the account limit to case and whitespace variants of the email', async () => {
    await withApp(db, {}, async (t) => {
      await register(t, 'variant@example.com');
      const variants = [
        'variant@example.com',
        'VARIANT@example.com',
        ' variant@EXAMPLE.com ',
        'Variant@Example.Com',
      ];
      const codes: number[] = [];
      for (let i = 0; i < 12; i++)
        codes.push((await attempt(t, variants[i % 4]!, 'wrong')).statusCode);
      expect(codes.filter((c) => c === 401)).toHaveLength(10);
    });
  });

  it('limits requests per address on every /v1/auth route and the token endpoint (TESSERA_AUTH_RATE_LIMIT)', async () => {
    await withApp(db, { TESSERA_AUTH_RATE_LIMIT: '5' }, async (t) => {
      const codes: number[] = [];
      for (let i = 0; i < 7; i++) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/auth/refresh',
          payload: { refresh_token: 'x' },
        });
        codes.push(res.statusCode);
      }
      expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(codes.slice(5)).toEqual([429, 429]);
      const limited = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: 'a@b.co', password: 'whatever1' },
      });
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error).toBe('rate_limited');
      expect(limited.headers['retry-after']).toBeDefined();
      const token = await t.app.inject({
        method: 'POST',
        url: '/v1/oauth/token',
        headers: { authorization: `Basic ${Buffer.from('id:secret').toString('base64')}` },
        payload: { grant_type: 'client_credentials' },
      });
      expect(token.statusCode).toBe(429);
      // Other routes are not affected.
      expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    });
  });
});
