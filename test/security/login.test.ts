/**
 * Login and account attacks, black box over HTTP: user enumeration, brute force and lockout
 * bypass, long and Unicode passwords, look-alike emails, injection and wrong JSON types,
 * mass assignment and prototype pollution.
 *
 * Sources: OWASP ASVS 4.0.3 V2.2.1 (anti-automation, lockout), V2.1.2/V2.1.4 (passwords up to
 * 128+ characters, any Unicode, no truncation), V3.2 / WSTG-IDNT-04 (account enumeration by
 * status, body, headers and timing), OWASP Authentication Cheat Sheet ("Authentication and
 * error messages", "Login throttling"), CWE-307 (excessive attempts), CWE-204 (observable
 * response discrepancy), CWE-208 (observable timing discrepancy), CWE-915 / OWASP API3:2023
 * (mass assignment), CWE-1321 and the Fastify/secure-json-parse advisory on `__proto__`
 * (prototype pollution), Unicode TR #36 §2 (visual spoofing), bcrypt's 72-byte truncation
 * (why "never truncated" is tested).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Account,
  call,
  freshEmail,
  logIn,
  median,
  PASSWORD,
  signUp,
  startTarget,
  type Target,
} from './helpers.js';

let t: Target;
/** The real per-account limit (10), no per-address limit: account counters in isolation. */
let th: Target;
/** A low per-address limit (20): spraying from one address. */
let ta: Target;
let ada: Account;
let bob: Account;

beforeAll(async () => {
  [t, th, ta] = await Promise.all([
    startTarget(),
    startTarget({ TESSERA_LOGIN_MAX_PER_ACCOUNT: '10' }),
    startTarget({ TESSERA_LOGIN_MAX_PER_ADDRESS: '20', TESSERA_AUTH_RATE_LIMIT: '300' }),
  ]);
  [ada, bob] = await Promise.all([signUp(t), signUp(t)]);
});
afterAll(async () => {
  await Promise.all([t?.stop(), th?.stop(), ta?.stop()]);
});

const login = (target: Target, body: unknown, headers: Record<string, string> = {}) =>
  call(target, 'POST', '/v1/auth/login', { body, headers });

describe('user enumeration (WSTG-IDNT-04, CWE-204, CWE-208)', () => {
  it('wrong password and unknown email: same status, body and headers', async () => {
    const wrong = await login(t, { email: ada.email, password: 'not the password' });
    const unknown = await login(t, { email: freshEmail(), password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.text).toBe(wrong.text);
    expect(wrong.json.error).toBe('invalid_credentials');
    const names = (r: typeof wrong) =>
      [...r.headers.entries()]
        .filter(([k]) => !['date', 'x-ratelimit-remaining', 'x-ratelimit-reset'].includes(k))
        .sort();
    expect(names(unknown)).toEqual(names(wrong));
  });
  it('a malformed email gets the same answer as an unknown one (no validation oracle)', async () => {
    const a = await login(t, { email: 'not-an-email', password: 'whatever123' });
    const b = await login(t, { email: freshEmail(), password: 'whatever123' });
    expect(a.status).toBe(b.status);
    expect(a.text).toBe(b.text);
  });
  it('no measurable time difference: medians over 30 samples each within 0.67–1.5×', async () => {
    const victim = await signUp(t);
    const time = async (body: object) => {
      const start = performance.now();
      const r = await login(t, body);
      expect(r.status).toBe(401);
      return performance.now() - start;
    };
    await time({ email: victim.email, password: 'warm up the path' });
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 30; i++) {
      wrong.push(await time({ email: victim.email, password: `wrong password ${i}` }));
      unknown.push(await time({ email: freshEmail(), password: `wrong password ${i}` }));
    }
    const ratio = median(wrong) / median(unknown);
    expect(ratio).toBeGreaterThan(0.67);
    expect(ratio).toBeLessThan(1.5);
  });
  it('throttling answers unknown emails like known ones (a 429 reveals nothing)', async () => {
    const known = await signUp(th);
    const unknownEmail = freshEmail();
    const statuses = async (email: string) => {
      const out: number[] = [];
      for (let i = 0; i < 11; i++)
        out.push((await login(th, { email, password: `guess ${i} xx` })).status);
      return out;
    };
    expect(await statuses(known.email)).toEqual(await statuses(unknownEmail));
  });
  it('registration of a taken email in another case or with spaces is refused (no twin account)', async () => {
    for (const email of [ada.email.toUpperCase(), `  ${ada.email}  `]) {
      const res = await call(t, 'POST', '/v1/auth/register', {
        body: { email, password: PASSWORD },
      });
      expect(res.status).toBe(409);
      expect(res.json.error).toBe('email_taken');
    }
  });
});

describe('brute force and lockout bypass (ASVS V2.2.1, CWE-307)', () => {
  it('50 parallel guesses on one account: exactly 10 reach the password check, the rest are 429 with Retry-After', async () => {
    const victim = await signUp(th);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        login(
          th,
          { email: victim.email, password: `guess number ${i}` },
          { 'x-forwarded-for': `10.0.${i}.1` },
        ),
      ),
    );
    const counts: Record<number, number> = {};
    for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
    expect(counts).toEqual({ 401: 10, 429: 40 });
    const limited = results.find((r) => r.status === 429)!;
    expect(limited.json.error).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The right password now waits too: a lockout that the correct guess could pass is an oracle.
    expect((await login(th, { email: victim.email, password: PASSWORD })).status).toBe(429);
  });
  it.each([
    ['X-Forwarded-For', (i: number) => ({ 'x-forwarded-for': `203.0.113.${i}` })],
    ['X-Real-IP', (i: number) => ({ 'x-real-ip': `203.0.113.${i}` })],
    ['Forwarded', (i: number) => ({ forwarded: `for=203.0.113.${i}` })],
  ])('rotating %s does not reset the account counter', async (_name, spoof) => {
    const victim = await signUp(th);
    for (let i = 0; i < 10; i++) {
      expect(
        (await login(th, { email: victim.email, password: `guess ${i} xxx` }, spoof(i))).status,
      ).toBe(401);
    }
    expect((await login(th, { email: victim.email, password: PASSWORD }, spoof(99))).status).toBe(
      429,
    );
  });
  it('username variants (case, spaces, full-width) count against the same account', async () => {
    const email = freshEmail();
    await signUp(th, email);
    const [local, domain] = email.split('@') as [string, string];
    const fullwidth = [...local].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');
    const variants = [
      email.toUpperCase(),
      ` ${email}`,
      `${email} `,
      `${fullwidth}@${domain}`,
      `${local}@${domain.toUpperCase()}`,
    ];
    for (let i = 0; i < 10; i++) {
      const res = await login(th, {
        email: variants[i % variants.length],
        password: `variant guess ${i}`,
      });
      expect(res.status).toBe(401);
    }
    expect((await login(th, { email, password: PASSWORD })).status).toBe(429);
  });
  it('spraying many accounts from one address is throttled per address even with spoofed headers', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await login(
        ta,
        { email: freshEmail(), password: 'spray password 1' },
        { 'x-forwarded-for': `198.51.100.${i}` },
      );
      statuses.push(r.status);
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(20);
  });
  it('the coarse per-address limit on /v1/auth/* answers 429 with Retry-After', async () => {
    let last = await call(ta, 'POST', '/v1/auth/register', { body: {} });
    for (let i = 0; i < 320 && last.status !== 429; i++) {
      last = await call(ta, 'POST', '/v1/auth/register', { body: {} });
    }
    expect(last.status).toBe(429);
    expect(last.json.error).toBe('rate_limited');
    expect(last.headers.get('retry-after')).toBeTruthy();
  });
});

describe('passwords (ASVS V2.1.2, V2.1.4)', () => {
  it('a 256-character password works; 257 is refused with 400, not hashed', async () => {
    const long = 'p'.repeat(256);
    const u = await signUp(t, freshEmail(), long);
    expect(u.access).toBeTruthy();
    const res = await call(t, 'POST', '/v1/auth/register', {
      body: { email: freshEmail(), password: 'p'.repeat(257) },
    });
    expect(res.status).toBe(400);
    expect((await login(t, { email: u.email, password: 'p'.repeat(257) })).status).toBe(400);
  });
  it('a 1 MB password is refused with 413 before any hashing', async () => {
    const start = performance.now();
    const res = await login(t, { email: ada.email, password: 'x'.repeat(1_000_000) });
    expect(res.status).toBe(413);
    expect(performance.now() - start).toBeLessThan(5_000);
  });
  it('never truncated: the first 72 bytes plus another suffix do not log in (the bcrypt flaw)', async () => {
    const base = 'b'.repeat(72);
    const u = await signUp(t, freshEmail(), `${base}-first`);
    expect((await login(t, { email: u.email, password: `${base}-other` })).status).toBe(401);
    expect((await login(t, { email: u.email, password: base })).status).toBe(401);
  });
  it('Unicode compared exactly: NFD of an NFC password, and a look-alike, do not log in', async () => {
    const nfc = 'café crème brûlée';
    const u = await signUp(t, freshEmail(), nfc);
    expect((await login(t, { email: u.email, password: nfc.normalize('NFD') })).status).toBe(401);
    expect((await login(t, { email: u.email, password: nfc.replace('c', 'с') })).status).toBe(401);
    expect((await login(t, { email: u.email, password: nfc })).status).toBe(200);
  });
  it('emoji, RTL override and NUL in a password survive the round trip', async () => {
    const pw = 'pässwörd 🔑\u202e\u0000end';
    const u = await signUp(t, freshEmail(), pw);
    expect((await login(t, { email: u.email, password: pw })).status).toBe(200);
    expect((await login(t, { email: u.email, password: pw.replace('\u0000', '') })).status).toBe(
      401,
    );
  });
});

describe('look-alike and case variants of emails (Unicode TR #36)', () => {
  it('a case variant logs in to the same account', async () => {
    const res = await login(t, { email: ` ${ada.email.toUpperCase()} `, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.json.user.id).toBe(ada.id);
  });
  it("a Cyrillic look-alike is a different address and never reaches ada's account", async () => {
    const spoof = ada.email.replace(/^u/, 'υ').replace('e', 'е');
    const res = await login(t, { email: spoof, password: PASSWORD });
    expect(res.status).toBe(401);
    const reg = await call(t, 'POST', '/v1/auth/register', {
      body: { email: spoof, password: 'attacker password' },
    });
    expect([201, 400]).toContain(reg.status);
    if (reg.status === 201) expect(reg.json.id).not.toBe(ada.id);
  });
  it('a full-width variant folds onto the real account (NFKC): 409 on register, same id on login', async () => {
    const [local, domain] = ada.email.split('@') as [string, string];
    const fw = `${[...local].map((c) => (/[a-z0-9]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('')}@${domain}`;
    expect(
      (
        await call(t, 'POST', '/v1/auth/register', {
          body: { email: fw, password: 'attacker password' },
        })
      ).status,
    ).toBe(409);
    const res = await login(t, { email: fw, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.json.user.id).toBe(ada.id);
  });
  it('zero-width characters inside an email do not alias another account', async () => {
    const zw = ada.email.replace('@', '\u200b@');
    expect((await login(t, { email: zw, password: PASSWORD })).status).toBe(401);
  });
});

describe('injection strings and wrong JSON types in every field', () => {
  const hostile: unknown[] = [
    "' OR '1'='1' --",
    "admin@example.com'; DROP TABLE users; --",
    { $gt: '' },
    ['a@example.com'],
    123,
    null,
    true,
    {},
    `$${'{'}7*7}{{7*7}}`,
    '<script>alert(1)</script>@example.com',
  ];
  it.each(hostile.map((v) => [JSON.stringify(v), v]))(
    'login email = %s: 400 or 401, never 200 or 5xx',
    async (_s, value) => {
      const res = await login(t, { email: value, password: PASSWORD });
      expect([400, 401]).toContain(res.status);
    },
  );
  it.each(hostile.map((v) => [JSON.stringify(v), v]))(
    'login password = %s: 400 or 401',
    async (_s, value) => {
      const res = await login(t, { email: ada.email, password: value });
      expect([400, 401]).toContain(res.status);
    },
  );
  it('register and profile fields with injections and wrong types: 4xx, never 5xx; stored text is inert', async () => {
    for (const value of hostile) {
      for (const field of ['email', 'password', 'name', 'phone']) {
        const body: Record<string, unknown> = {
          email: freshEmail(),
          password: PASSWORD,
          [field]: value,
        };
        const res = await call(t, 'POST', '/v1/auth/register', { body });
        expect(res.status, `${field}=${JSON.stringify(value)}`).toBeLessThan(500);
      }
      for (const field of ['name', 'avatar_url', 'phone']) {
        const res = await call(t, 'PATCH', '/v1/me', {
          token: bob.access,
          body: { [field]: value },
        });
        expect(res.status, `${field}=${JSON.stringify(value)}`).toBeLessThan(500);
      }
    }
    const me = await call(t, 'GET', '/v1/me', { token: bob.access });
    expect(me.status).toBe(200);
    expect(me.headers.get('content-type')).toMatch(/^application\/json/);
  });
  it('transport with a wrong value or type is 400', async () => {
    for (const transport of ['header', 1, null, ['cookie']]) {
      expect((await login(t, { email: ada.email, password: PASSWORD, transport })).status).toBe(
        400,
      );
    }
  });
  it('avatar_url with javascript:, data: and file: schemes is refused', async () => {
    for (const url of [
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'file:///etc/passwd',
      'JaVaScRiPt:alert(1)',
    ]) {
      expect(
        (await call(t, 'PATCH', '/v1/me', { token: bob.access, body: { avatar_url: url } })).status,
      ).toBe(400);
    }
  });
});

describe('mass assignment (CWE-915, OWASP API3:2023)', () => {
  const fields = [
    'role',
    'admin',
    'is_admin',
    'id',
    'scope',
    'scopes',
    'password_hash',
    'email_verified',
    'created_at',
    'phone_token',
  ];
  it.each(fields.map((f) => [f]))('register with %s is refused with 400', async (field) => {
    const res = await call(t, 'POST', '/v1/auth/register', {
      body: {
        email: freshEmail(),
        password: PASSWORD,
        [field]: field === 'admin' ? true : 'admin',
      },
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_request');
  });
  it.each([['email'], ['id'], ['role'], ['scope'], ['admin'], ['password'], ['phone_token']])(
    'PATCH /v1/me with %s is refused with 400',
    async (field) => {
      const res = await call(t, 'PATCH', '/v1/me', {
        token: bob.access,
        body: { [field]: field === 'admin' ? true : 'admin@evil.example' },
      });
      expect(res.status).toBe(400);
    },
  );
  it('after every attempt, bob is still an ordinary user with his own email', async () => {
    const me = await call(t, 'GET', '/v1/me', { token: bob.access });
    expect(me.json.email).toBe(bob.email);
    expect(me.json.id).toBe(bob.id);
    expect(Object.keys(me.json).sort()).toEqual([
      'avatar_url',
      'created_at',
      'email',
      'id',
      'name',
      'phone',
      'phone_token',
      'updated_at',
    ]);
    expect((await call(t, 'GET', `/v1/users/${ada.id}`, { token: bob.access })).status).toBe(403);
  });
});

describe('prototype pollution (CWE-1321)', () => {
  const bodies = [
    [
      '__proto__ on register',
      '/v1/auth/register',
      'POST',
      () =>
        `{"email":"${freshEmail()}","password":"${PASSWORD}","__proto__":{"admin":true,"scope":"admin"}}`,
    ],
    [
      'constructor.prototype on register',
      '/v1/auth/register',
      'POST',
      () =>
        `{"email":"${freshEmail()}","password":"${PASSWORD}","constructor":{"prototype":{"admin":true}}}`,
    ],
    [
      'escaped \\u005f_proto__ on login',
      '/v1/auth/login',
      'POST',
      () => `{"email":"${ada.email}","password":"${PASSWORD}","\\u005f_proto__":{"admin":true}}`,
    ],
    [
      '__proto__ on PATCH /v1/me',
      '/v1/me',
      'PATCH',
      () => '{"name":"x","__proto__":{"admin":true}}',
    ],
    [
      'nested __proto__ in vault metadata',
      '/v1/vault/tokens',
      'POST',
      () => '{"type":"text","value":"v","metadata":{"a":{"__proto__":{"admin":true}}}}',
    ],
  ] as const;
  it.each(bodies.map((b) => [b[0], b[1], b[2], b[3]] as const))(
    '%s is refused with 400',
    async (_name, path, method, make) => {
      const res = await call(t, method, path, {
        raw: make(),
        token: bob.access,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
    },
  );
  it('afterwards another user gains nothing: no admin read, no extra fields', async () => {
    const carol = await signUp(t);
    expect((await call(t, 'GET', `/v1/users/${ada.id}`, { token: carol.access })).status).toBe(403);
    const me = await call(t, 'GET', '/v1/me', { token: carol.access });
    expect(me.json.admin).toBeUndefined();
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    const again = await logIn(t, carol.email);
    const scope = JSON.parse(
      Buffer.from(again.access.split('.')[1]!, 'base64url').toString(),
    ).scope;
    expect(scope).toBe('profile vault');
  });
});
