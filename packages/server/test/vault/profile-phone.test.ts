import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { testDatabases } from '../helpers/databases.js';

describe.each(testDatabases)('profile phone through the vault on $name', (db) => {
  let t: TestApp;
  let access: string;
  beforeAll(async () => {
    t = await createTestApp(db);
  });
  afterAll(async () => {
    await t?.close();
  });

  const detokenize = (token: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/vault/detokenize',
      payload: { tokens: [token] },
      headers: bearer(access),
    });

  it('register with a phone: the user shows it masked, with a token the owner may detokenize', async () => {
    const reg = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: 'p@example.com', password: 'phone password', phone: '+91 98765 43210' },
    });
    expect(reg.statusCode, reg.body).toBe(201);
    const user = reg.json();
    expect(user.phone).toBe('+91********10');
    expect(user.phone_token).toMatch(/^\+91\d{8}10$/);
    expect(reg.body).not.toContain('9876543210');
    const login = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'p@example.com', password: 'phone password' },
    });
    access = login.json().access_token;
    const res = await detokenize(user.phone_token);
    expect(res.json().results[0]).toMatchObject({ type: 'phone', value: '+919876543210' });
    const row = await t.ctx.store.users.byId(user.id);
    expect(JSON.stringify(row)).not.toContain('9876543210');
  });

  it('PATCH /v1/me phone replaces the token (the old one is deleted); null clears it', async () => {
    const before = (
      await t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(access) })
    ).json();
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/v1/me',
      payload: { phone: '+14155550123' },
      headers: bearer(access),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().phone).toBe('+1********23');
    expect((await detokenize(before.phone_token)).statusCode).toBe(404);
    expect((await detokenize(res.json().phone_token)).json().results[0].value).toBe('+14155550123');

    const cleared = await t.app.inject({
      method: 'PATCH',
      url: '/v1/me',
      payload: { phone: null },
      headers: bearer(access),
    });
    expect(cleared.json()).toMatchObject({ phone: null, phone_token: null });
    expect((await detokenize(res.json().phone_token)).statusCode).toBe(404);
  });

  it('rejects a number that is not E.164 with 400 naming phone, before writing anything', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/v1/me',
      payload: { phone: '98765 43210', name: 'Changed' },
      headers: bearer(access),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error_description).toMatch(/^phone:/);
    expect(res.body).not.toContain('98765');
    const me = (
      await t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(access) })
    ).json();
    expect(me.name).toBeNull();
    const reg = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: 'q@example.com', password: 'phone password', phone: 'call me' },
    });
    expect(reg.statusCode).toBe(400);
  });
});
