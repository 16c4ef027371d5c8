import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/clients/service.js';
import { verifyAccessToken } from '../../src/tokens/access.js';
import { bearer, createTestApp, signUp, type TestApp } from '../helpers/app.js';
import { testDatabases } from '../helpers/databases.js';

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe.each(testDatabases)('service clients and POST /v1/oauth/token on $name', (db) => {
  let t: TestApp;
  let full: { client_id: string; client_secret: string };
  let tokenizer: { client_id: string; client_secret: string };
  beforeAll(async () => {
    t = await createTestApp(db);
    full = await createClient(
      t.ctx,
      'billing',
      'vault:tokenize vault:read vault:detokenize vault:delete',
    );
    tokenizer = await createClient(t.ctx, 'intake', 'vault:tokenize');
  });
  afterAll(async () => {
    await t?.close();
  });

  const token = (
    payload: string | Record<string, string>,
    authorization: string | undefined,
    form = typeof payload === 'string',
  ) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/oauth/token',
      payload,
      headers: {
        'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
        ...(authorization ? { authorization } : {}),
      },
    });

  const serviceToken = async (c: { client_id: string; client_secret: string }, scope?: string) => {
    const res = await token(
      `grant_type=client_credentials${scope ? `&scope=${encodeURIComponent(scope)}` : ''}`,
      basic(c.client_id, c.client_secret),
    );
    expect(res.statusCode, res.body).toBe(200);
    return res.json().access_token as string;
  };

  it('stores only a hash of the secret', async () => {
    const row = await t.ctx.store.clients.byId(full.client_id);
    expect(row?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(full.client_secret);
    expect(full.client_secret.length).toBeGreaterThanOrEqual(43);
  });

  it('issues a service token for a form body with HTTP Basic', async () => {
    const res = await token(
      'grant_type=client_credentials',
      basic(full.client_id, full.client_secret),
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      scope: 'vault:tokenize vault:read vault:detokenize vault:delete',
    });
    const claims = await verifyAccessToken(t.ctx, body.access_token);
    expect(claims).toMatchObject({ sub: full.client_id, client_id: full.client_id });
    expect(claims.sid).toBeUndefined();
  });

  it('accepts a JSON body and a narrower scope', async () => {
    const res = await token(
      { grant_type: 'client_credentials', scope: 'vault:read' },
      basic(full.client_id, full.client_secret),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().scope).toBe('vault:read');
  });

  it('answers RFC 6749 errors', async () => {
    const wrong = await token('grant_type=client_credentials', basic(full.client_id, 'nope'));
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error).toBe('invalid_client');
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic/);
    const unknown = await token('grant_type=client_credentials', basic('tsc_unknown', 'nope'));
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json()).toEqual(wrong.json());
    const failures = await t.ctx.store.audit.list({ action: 'client.auth_failed', limit: 10 });
    expect(failures.map((row) => row.target)).toEqual([null, full.client_id]);
    const none = await token('grant_type=client_credentials', undefined);
    expect(none.statusCode).toBe(401);
    expect(none.json().error).toBe('invalid_client');
    const auth = basic(tokenizer.client_id, tokenizer.client_secret);
    const grant = await token('grant_type=password', auth);
    expect(grant.statusCode).toBe(400);
    expect(grant.json().error).toBe('unsupported_grant_type');
    const scope = await token('grant_type=client_credentials&scope=vault:detokenize', auth);
    expect(scope.statusCode).toBe(400);
    expect(scope.json().error).toBe('invalid_scope');
    const missing = await token('scope=vault:tokenize', auth);
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toBe('invalid_request');
    const post = await token(
      `grant_type=client_credentials&client_secret=${tokenizer.client_secret}`,
      auth,
    );
    expect(post.json().error).toBe('invalid_request');
    expect(t.logs.join('\n')).not.toContain(tokenizer.client_secret);
  });

  it('leaves every other route answering 415 to a form', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: 'email=a@b.co&password=12345678',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(415);
  });

  it('applies vault policy by scope: tokenize needs vault:tokenize, others reach every owner', async () => {
    const user = await signUp(t.app);
    const own = await t.app.inject({
      method: 'POST',
      url: '/v1/vault/tokens',
      payload: { value: '4111111111111111', type: 'card' },
      headers: bearer(user.access_token),
    });
    const userToken = own.json().token as string;

    const readOnly = await serviceToken(full, 'vault:read');
    const refused = await t.app.inject({
      method: 'POST',
      url: '/v1/vault/tokens',
      payload: { value: '4111111111111111', type: 'card' },
      headers: bearer(readOnly),
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toBe('insufficient_scope');
    const read = await t.app.inject({
      method: 'GET',
      url: `/v1/vault/tokens/${userToken}`,
      headers: bearer(readOnly),
    });
    expect(read.statusCode).toBe(200);
    const listed = await t.app.inject({
      method: 'GET',
      url: '/v1/vault/tokens?limit=1000',
      headers: bearer(readOnly),
    });
    expect(listed.json().items.map((i: { token: string }) => i.token)).toContain(userToken);
    const noDetok = await t.app.inject({
      method: 'POST',
      url: '/v1/vault/detokenize',
      payload: { tokens: [userToken] },
      headers: bearer(readOnly),
    });
    expect(noDetok.statusCode).toBe(404);

    const intake = await serviceToken(tokenizer);
    const made = await t.app.inject({
      method: 'POST',
      url: '/v1/vault/tokens',
      payload: { value: '123-45-6789', type: 'ssn' },
      headers: bearer(intake),
    });
    expect(made.statusCode).toBe(201);
    // Its own tokens are its own; another owner's are not found.
    const ownDetok = await t.app.inject({
      method: 'POST',
      url: '/v1/vault/detokenize',
      payload: { tokens: [made.json().token] },
      headers: bearer(intake),
    });
    expect(ownDetok.json().results[0].value).toBe('123-45-6789');

    const detok = await serviceToken(full, 'vault:detokenize vault:delete');
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/vault/detokenize',
      payload: { tokens: [userToken], reason: 'chargeback #7' },
      headers: bearer(detok),
    });
    expect(res.json().results[0].value).toBe('4111111111111111');
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/v1/vault/tokens/${userToken}`,
      headers: bearer(detok),
    });
    expect(del.statusCode).toBe(204);
  });
});
