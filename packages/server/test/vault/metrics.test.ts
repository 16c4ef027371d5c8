import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, signUp, type TestApp } from '../helpers/app.js';
import { testDatabases } from '../helpers/databases.js';

describe.each(testDatabases)('vault metrics on $name', (db) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(db);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts values by operation and outcome, and never shows one', async () => {
    const s = await signUp(t.app);
    const headers = bearer(s.access_token);
    const card = '4111 1111 1111 1111';
    const one = await t.app.inject({
      method: 'POST',
      url: '/v1/vault/tokens',
      headers,
      payload: { value: card, type: 'card' },
    });
    expect(one.statusCode).toBe(201);
    const batch = await t.app.inject({
      method: 'POST',
      url: '/v1/vault/tokens/batch',
      headers,
      payload: {
        items: [
          { value: '123-45-6789', type: 'ssn' },
          { value: 'not an ssn', type: 'ssn' },
        ],
      },
    });
    expect(batch.statusCode).toBe(200);
    const token = one.json().token as string;
    const reveal = await t.app.inject({
      method: 'POST',
      url: '/v1/vault/detokenize',
      headers,
      payload: { tokens: [token, 'tok_unknown0000000000000000'] },
    });
    expect(reveal.statusCode).toBe(200);
    const del = await t.app.inject({ method: 'DELETE', url: `/v1/vault/tokens/${token}`, headers });
    expect(del.statusCode).toBe(204);

    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('tessera_vault_values_total{op="tokenize",result="ok"} 2');
    expect(metrics).toContain('tessera_vault_values_total{op="tokenize",result="error"} 1');
    expect(metrics).toContain('tessera_vault_values_total{op="detokenize",result="ok"} 1');
    expect(metrics).toContain('tessera_vault_values_total{op="detokenize",result="error"} 1');
    expect(metrics).toContain('tessera_vault_values_total{op="delete",result="ok"} 1');
    expect(metrics).not.toContain('4111');
    expect(metrics).not.toContain(token);
  });
});
