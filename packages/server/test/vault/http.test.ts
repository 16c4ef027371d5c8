import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { luhnValid } from '../../src/vault/formats.js';
import { bearer, createTestApp, signUp, type TestApp } from '../helpers/app.js';
import { testDatabases } from '../helpers/databases.js';

const CARD = '4111 1111 1111 1111';

describe.each(testDatabases)('vault over HTTP on $name', (db) => {
  let t: TestApp;
  let ada: Awaited<ReturnType<typeof signUp>>;
  let bob: Awaited<ReturnType<typeof signUp>>;
  beforeAll(async () => {
    t = await createTestApp(db);
    ada = await signUp(t.app);
    bob = await signUp(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  const as = (who: { access_token: string }) => ({
    post: (url: string, payload: unknown) =>
      t.app.inject({
        method: 'POST',
        url,
        payload: payload as object,
        headers: bearer(who.access_token),
      }),
    get: (url: string) => t.app.inject({ method: 'GET', url, headers: bearer(who.access_token) }),
    del: (url: string) =>
      t.app.inject({ method: 'DELETE', url, headers: bearer(who.access_token) }),
  });

  const tokenize = async (payload: Record<string, unknown>) => {
    const res = await as(ada).post('/v1/vault/tokens', payload);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { token: string; masked: string; type: string; expires_at: string | null };
  };
  const detokenize = async (token: string, who = ada) =>
    as(who).post('/v1/vault/detokenize', { tokens: [token], reason: 'test' });

  it('tokenizes a card: same length, digits, last 4 kept, fails Luhn; detokenizes to the digits', async () => {
    const rec = await tokenize({ value: CARD, type: 'card', metadata: { order: 42 } });
    expect(Object.keys(rec).sort()).toEqual(
      ['created_at', 'expires_at', 'masked', 'metadata', 'token', 'type'].sort(),
    );
    expect(rec.token).toMatch(/^\d{16}$/);
    expect(rec.token.endsWith('1111')).toBe(true);
    expect(luhnValid(rec.token)).toBe(false);
    expect(rec.masked).toBe('************1111');
    expect(rec).toMatchObject({ type: 'card', metadata: { order: 42 }, expires_at: null });
    const res = await detokenize(rec.token);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      results: [{ token: rec.token, type: 'card', value: '4111111111111111' }],
    });
  });

  it('keeps the first 6 with preserve first6_last4, and passes Luhn with luhn: true', async () => {
    const rec = await tokenize({
      value: '5555555555554444',
      type: 'card',
      preserve: 'first6_last4',
      luhn: true,
    });
    expect(rec.token.slice(0, 6)).toBe('555555');
    expect(rec.token.slice(-4)).toBe('4444');
    expect(luhnValid(rec.token)).toBe(true);
    expect(rec.token).not.toBe('5555555555554444');
  });

  it('refuses a format whose token space is too small, with a clear error', async () => {
    // 13 digits, first 6 and last 4 kept: 3 free digits.
    const res = await as(ada).post('/v1/vault/tokens', {
      value: '4222222222222',
      type: 'card',
      preserve: 'first6_last4',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error_description).toMatch(/possible tokens/);
    expect(res.body).not.toContain('4222222222222');
  });

  it.each([
    ['pan_in', 'abcpe1234f', /^[A-Z]{3}P[A-Z]\d{4}[A-Z]$/, '*****1234*'],
    ['ssn', '123-45-6789', /^9\d\d-\d\d-6789$/, '***-**-6789'],
    ['phone', '+91 98765 43210', /^\+91\d{8}10$/, '+91********10'],
    ['email', 'Jane.Doe@Example.com', /^[a-z0-9]{16}@example\.com$/, 'j***@example.com'],
    ['text', 'a secret note ✓', /^tok_[0-9A-Za-z]{22}$/, '[redacted]'],
  ])('tokenizes %s to its format and mask', async (type, value, pattern, masked) => {
    const rec = await tokenize({ value, type });
    expect(rec.token).toMatch(pattern);
    expect(rec.masked).toBe(masked);
    const res = await detokenize(rec.token);
    expect(res.json().results[0].value).toBeTypeOf('string');
  });

  it.each([
    ['card', '4111 1111 1111 1112', /Luhn/],
    ['card', '1234', /12 to 19 digits/],
    ['pan_in', 'ABCDE1234F', /PAN/],
    ['ssn', '666-12-3456', /never issued/],
    ['ssn', '12-345-6789', /123-45-6789/],
    ['phone', '0044 20 7946 0958', /E\.164/],
    ['email', 'not-an-email', /email/],
    ['text', '', /empty/],
  ])(
    'rejects an invalid %s with 400 naming the field, never the value',
    async (type, value, why) => {
      const res = await as(ada).post('/v1/vault/tokens', { value, type });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_request');
      expect(res.json().error_description).toMatch(why);
      expect(res.json().error_description).toMatch(/^value:/);
      if (value !== '') expect(res.body).not.toContain(value);
    },
  );

  it('rejects unknown fields, preserve on non-cards, oversized metadata and 64 KiB+ text', async () => {
    const cases = [
      { value: CARD, type: 'card', owner: 'x' },
      { value: '123-45-6789', type: 'ssn', preserve: 'last4' },
      { value: CARD, type: 'card', metadata: { blob: 'x'.repeat(5000) } },
      { value: 'é'.repeat(40_000), type: 'text' },
      { value: CARD, type: 'iban' },
    ];
    for (const payload of cases) {
      const res = await as(ada).post('/v1/vault/tokens', payload);
      expect(res.statusCode, JSON.stringify(Object.keys(payload))).toBe(400);
    }
  });

  it('deterministic: the same owner, type and value give the same token; other owners differ', async () => {
    const a1 = await tokenize({ value: 'ada@example.com', type: 'email', deterministic: true });
    const a2 = await tokenize({ value: ' ADA@example.com ', type: 'email', deterministic: true });
    const a3 = await tokenize({ value: 'ada@example.com', type: 'email' });
    expect(a2.token).toBe(a1.token);
    expect(a3.token).not.toBe(a1.token);
    const b = await as(bob).post('/v1/vault/tokens', {
      value: 'ada@example.com',
      type: 'email',
      deterministic: true,
    });
    expect(b.json().token).not.toBe(a1.token);
  });

  it('policy: another owner gets 404 for read, detokenize and delete (existence not revealed)', async () => {
    const rec = await tokenize({ value: CARD, type: 'card' });
    expect((await as(bob).get(`/v1/vault/tokens/${rec.token}`)).statusCode).toBe(404);
    const d = await detokenize(rec.token, bob);
    expect(d.statusCode).toBe(404);
    expect(d.body).not.toContain('4111111111111111');
    expect((await as(bob).del(`/v1/vault/tokens/${rec.token}`)).statusCode).toBe(404);
    const unknown = await as(bob).get('/v1/vault/tokens/0000000000000000');
    expect(unknown.json()).toEqual((await as(bob).get(`/v1/vault/tokens/${rec.token}`)).json());
    expect((await as(ada).get(`/v1/vault/tokens/${rec.token}`)).statusCode).toBe(200);
  });

  it('multi-token detokenize answers 200 with per-item errors', async () => {
    const rec = await tokenize({ value: CARD, type: 'card' });
    const res = await as(ada).post('/v1/vault/detokenize', { tokens: [rec.token, 'tok_nope'] });
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toEqual([
      { token: rec.token, type: 'card', value: '4111111111111111' },
      { token: 'tok_nope', error: 'not_found', error_description: expect.any(String) },
    ]);
  });

  it('delete destroys the value: 204, then 404 everywhere', async () => {
    const rec = await tokenize({ value: CARD, type: 'card' });
    expect((await as(ada).del(`/v1/vault/tokens/${rec.token}`)).statusCode).toBe(204);
    expect((await detokenize(rec.token)).statusCode).toBe(404);
    expect(await t.ctx.store.vault.byToken(rec.token)).toBeUndefined();
  });

  it('lists own tokens with type filter and cursor paging', async () => {
    const carol = await signUp(t.app);
    for (let i = 0; i < 5; i++) {
      await as(carol).post('/v1/vault/tokens', { value: `note ${i}`, type: 'text' });
    }
    await as(carol).post('/v1/vault/tokens', { value: CARD, type: 'card' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/v1/vault/tokens?type=text&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await as(carol).get(q);
      expect(page.statusCode, page.body).toBe(200);
      const body = page.json() as {
        items: Array<{ token: string; type: string }>;
        next_cursor: string | null;
      };
      for (const item of body.items) {
        expect(item.type).toBe('text');
        seen.push(item.token);
      }
      cursor = body.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(5);
    const all = await as(carol).get('/v1/vault/tokens');
    expect(all.json().items).toHaveLength(6);
  });

  it('batch: up to 1000 items, per-item errors in order', async () => {
    const items = [
      { value: CARD, type: 'card' },
      { value: 'bad', type: 'card' },
      { value: '123-45-6789', type: 'ssn', unknown: 1 },
      { value: 'x@y.io', type: 'email', deterministic: true },
      { value: 'x@y.io', type: 'email', deterministic: true },
    ];
    const res = await as(ada).post('/v1/vault/tokens/batch', { items });
    expect(res.statusCode, res.body).toBe(200);
    const { results } = res.json();
    expect(results).toHaveLength(5);
    expect(results[0].token).toMatch(/^\d{16}$/);
    expect(results[1]).toEqual({
      error: 'invalid_request',
      error_description: expect.stringMatching(/^items\.1\.value:/),
    });
    expect(results[2]).toEqual({
      error: 'invalid_request',
      error_description: expect.stringMatching(/unknown field/),
    });
    expect(results[3].token).toBe(results[4].token);

    const big = Array.from({ length: 1000 }, (_, i) => ({ value: `v${i}`, type: 'text' }));
    const ok = await as(ada).post('/v1/vault/tokens/batch', { items: big });
    expect(ok.statusCode).toBe(200);
    expect(new Set(ok.json().results.map((r: { token: string }) => r.token)).size).toBe(1000);
    const tooMany = await as(ada).post('/v1/vault/tokens/batch', { items: [...big, big[0]] });
    expect(tooMany.statusCode).toBe(400);
  });

  it('needs a bearer token, and never logs values', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/vault/tokens',
      payload: { value: CARD, type: 'card' },
    });
    expect(res.statusCode).toBe(401);
    expect(t.logs.join('\n')).not.toContain('4111111111111111');
    expect(t.logs.join('\n')).not.toContain('4111 1111 1111 1111');
  });

  it('stores ciphertext bound to token, type and owner', async () => {
    const rec = await tokenize({ value: CARD, type: 'card' });
    const row = await t.ctx.store.vault.byToken(rec.token);
    expect(row?.ciphertext).toMatch(/^v1\./);
    expect(row?.ciphertext).not.toContain('4111111111111111');
    // A ciphertext moved onto another owner's row does not open.
    await expect(t.ctx.vault.open({ ...row!, owner: bob.user.id })).rejects.toThrow(
      /authentication failed/,
    );
    await expect(t.ctx.vault.open({ ...row!, token: '4000000000000000' })).rejects.toThrow();
    expect(await t.ctx.vault.open(row!)).toBe('4111111111111111');
  });
  // Last: it moves the clock past every access token's lifetime.
  it('ttl: 410 token_expired once past ttl_seconds, purged after the grace period', async () => {
    const rec = await tokenize({ value: '123-45-6789', type: 'ssn', ttl_seconds: 60 });
    expect(rec.expires_at).not.toBeNull();
    expect((await detokenize(rec.token)).statusCode).toBe(200);
    t.advance(61_000);
    const res = await detokenize(rec.token);
    expect(res.statusCode).toBe(410);
    expect(res.json()).toMatchObject({
      error: 'token_expired',
      results: [{ token: rec.token, error: 'token_expired' }],
    });
    expect((await as(ada).get(`/v1/vault/tokens/${rec.token}`)).statusCode).toBe(410);
    t.advance(2 * 3_600_000);
    expect(await t.ctx.vault.purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(await t.ctx.store.vault.byToken(rec.token)).toBeUndefined();
  });
});
