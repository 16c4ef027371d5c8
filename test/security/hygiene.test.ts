/**
 * Hygiene: secrets never reach the logs, every response carries the security headers, and
 * anything carrying a token or a vault value says `Cache-Control: no-store`.
 *
 * Sources: OWASP ASVS 4.0.3 V7.1.1/V7.1.2 (no credentials or sensitive data in logs), V8.2.1
 * (anti-caching headers on sensitive data), V14.4 (HTTP security headers: CSP, nosniff,
 * frame-ancestors, Referrer-Policy), RFC 6749 §5.1 (token responses: `Cache-Control: no-store`),
 * OWASP Logging Cheat Sheet ("data to exclude"), PCI DSS 4.0 req. 3.3/3.5 (PAN never in logs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../packages/server/test/helpers/cli.js';
import {
  ALLOWED_ORIGIN,
  call,
  freshEmail,
  type Reply,
  startTarget,
  type Target,
} from './helpers.js';

let t: Target;
/** Every secret the server saw during this file: none may appear in its output. */
const secrets = new Set<string>();
const keep = (s: string | undefined | null) => {
  if (s) secrets.add(s);
  return s ?? '';
};
/** Every response of the file, for the header checks. */
const seen: { what: string; res: Reply; sensitive: boolean }[] = [];
/** A non-secret the logs do hold (a vault token in a URL path): proves the search can find things. */
const visible = '';

async function record(what: string, sensitive: boolean, p: Promise<Reply>) {
  const res = await p;
  seen.push({ what, res, sensitive });
  return res;
}

beforeAll(async () => {
  t = await startTarget({ LOG_LEVEL: 'trace' });
  const json = { 'content-type': 'application/json' };
  const email = freshEmail();
  const password = keep('Hygiene-Passw0rd-correct-horse');
  const wrong = keep('Hygiene-WRONG-password-guess');
  const newPassword = keep('Hygiene-NEW-passw0rd-battery');
  const phone = keep('+919812345678');

  await record(
    'register',
    true,
    call(t, 'POST', '/v1/auth/register', { body: { email, password, phone } }),
  );
  await record(
    'wrong password',
    false,
    call(t, 'POST', '/v1/auth/login', { body: { email, password: wrong } }),
  );
  await record(
    'unknown email',
    false,
    call(t, 'POST', '/v1/auth/login', { body: { email: freshEmail(), password: wrong } }),
  );
  const login = await record(
    'login',
    true,
    call(t, 'POST', '/v1/auth/login', { body: { email, password } }),
  );
  const access = keep(login.json.access_token);
  keep(access.split('.')[2]);
  const refresh = keep(login.json.refresh_token);
  const bearer = { authorization: `Bearer ${access}` };

  const cookieLogin = await record(
    'cookie login',
    true,
    call(t, 'POST', '/v1/auth/login', {
      body: { email, password, transport: 'cookie' },
      headers: { origin: ALLOWED_ORIGIN },
    }),
  );
  const cookie = keep(
    /tessera_refresh=([^;]*)/.exec(cookieLogin.headers.get('set-cookie') ?? '')?.[1],
  );
  keep(cookieLogin.json.access_token);
  const refreshed = await record(
    'cookie refresh',
    true,
    call(t, 'POST', '/v1/auth/refresh', {
      raw: '{}',
      headers: { ...json, origin: ALLOWED_ORIGIN, cookie: `tessera_refresh=${cookie}` },
    }),
  );
  keep(refreshed.json.access_token);
  keep(/tessera_refresh=([^;]*)/.exec(refreshed.headers.get('set-cookie') ?? '')?.[1]);

  const rotated = await record(
    'refresh',
    true,
    call(t, 'POST', '/v1/auth/refresh', { body: { refresh_token: refresh } }),
  );
  keep(rotated.json.access_token);
  keep(rotated.json.refresh_token);
  await record(
    'refresh in query',
    false,
    call(t, 'POST', `/v1/auth/refresh?refresh_token=${refresh}`, { body: {} }),
  );
  await record('bearer in query', false, call(t, 'GET', `/v1/me?access_token=${access}`));
  await record(
    'tampered bearer',
    false,
    call(t, 'GET', '/v1/me', { headers: { authorization: `Bearer ${access.slice(0, -2)}AA` } }),
  );
  await record('me', true, call(t, 'GET', '/v1/me', { headers: bearer }));
  await record('sessions', true, call(t, 'GET', '/v1/sessions', { headers: bearer }));
  await record(
    'bad JSON with a password',
    false,
    call(t, 'POST', '/v1/auth/login', {
      raw: `{"email":"${email}","password":"${password}"`,
      headers: json,
    }),
  );
  await record(
    'unknown field with a password',
    false,
    call(t, 'POST', '/v1/auth/login', { body: { email, password, [password]: password } }),
  );

  const values = {
    card: keep('4111111111111111'),
    cardSpaced: keep('4111 1111 1111 1111'),
    ssn: keep('123-45-6789'),
    pan: keep('ABCPE1234F'),
    email: keep('hygiene.secret.person@example.org'),
    text: keep('TOP SECRET hygiene note 7f3a'),
  };
  const badCard = keep('4111111111111112');
  const tok = await record(
    'tokenize',
    true,
    call(t, 'POST', '/v1/vault/tokens', {
      headers: bearer,
      body: { type: 'card', value: values.cardSpaced },
    }),
  );
  await record(
    'tokenize invalid',
    false,
    call(t, 'POST', '/v1/vault/tokens', {
      headers: bearer,
      body: { type: 'card', value: badCard },
    }),
  );
  const batch = await record(
    'batch',
    true,
    call(t, 'POST', '/v1/vault/tokens/batch', {
      headers: bearer,
      body: {
        items: [
          { type: 'ssn', value: values.ssn },
          { type: 'pan_in', value: values.pan },
          { type: 'email', value: values.email },
          { type: 'text', value: values.text },
          { type: 'card', value: badCard },
        ],
      },
    }),
  );
  const tokens = [
    tok.json.token,
    ...batch.json.results
      .filter((r: { token?: string }) => r.token)
      .map((r: { token: string }) => r.token),
  ];
  await record(
    'detokenize',
    true,
    call(t, 'POST', '/v1/vault/detokenize', {
      headers: bearer,
      body: { tokens, reason: 'hygiene test' },
    }),
  );
  await record(
    'vault read',
    true,
    call(t, 'GET', `/v1/vault/tokens/${tok.json.token}`, { headers: bearer }),
  );
  await record('vault list', true, call(t, 'GET', '/v1/vault/tokens', { headers: bearer }));

  const created = await runCli(
    ['client', 'create', '--name', 'hygiene', '--scopes', 'vault:tokenize'],
    t.env,
  );
  const { client_id, client_secret } = JSON.parse(created.stdout);
  keep(client_secret);
  const basic = keep(Buffer.from(`${client_id}:${client_secret}`).toString('base64'));
  const badBasic = keep(Buffer.from(`${client_id}:${client_secret}x`).toString('base64'));
  const svc = await record(
    'client token',
    true,
    call(t, 'POST', '/v1/oauth/token', {
      headers: { authorization: `Basic ${basic}` },
      body: { grant_type: 'client_credentials' },
    }),
  );
  keep(svc.json.access_token);
  await record(
    'client token form',
    true,
    call(t, 'POST', '/v1/oauth/token', {
      raw: 'grant_type=client_credentials',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
    }),
  );
  await record(
    'bad client secret',
    false,
    call(t, 'POST', '/v1/oauth/token', {
      headers: { authorization: `Basic ${badBasic}` },
      body: { grant_type: 'client_credentials' },
    }),
  );
  await record(
    'client secret in body',
    false,
    call(t, 'POST', '/v1/oauth/token', {
      body: { grant_type: 'client_credentials', client_id, client_secret },
    }),
  );

  await record(
    'change password',
    true,
    call(t, 'POST', '/v1/me/password', {
      headers: bearer,
      body: { current_password: password, new_password: newPassword },
    }),
  );
  await record('logout', false, call(t, 'POST', '/v1/auth/logout', { headers: bearer }));

  // Every other kind of response, for the header checks.
  await record('jwks', false, call(t, 'GET', '/.well-known/jwks.json'));
  await record('discovery', false, call(t, 'GET', '/.well-known/openid-configuration'));
  await record('healthz', false, call(t, 'GET', '/healthz'));
  await record('readyz', false, call(t, 'GET', '/readyz'));
  await record('metrics', false, call(t, 'GET', '/metrics'));
  await record('web page', false, call(t, 'GET', '/'));
  await record('404', false, call(t, 'GET', '/v1/nothing-here'));
  await record(
    '415',
    false,
    call(t, 'POST', '/v1/auth/login', { raw: 'a=1', headers: { 'content-type': 'text/plain' } }),
  );
  await record(
    '413',
    false,
    call(t, 'POST', '/v1/auth/login', { raw: `{"email":"${'a'.repeat(100_000)}"}`, headers: json }),
  );
  await record(
    'preflight',
    false,
    call(t, 'OPTIONS', '/v1/me', {
      headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'GET' },
    }),
  );
});
afterAll(async () => {
  await t?.stop();
});

describe('logs (ASVS V7.1.1, V7.1.2)', () => {
  it('the server wrote logs at trace level for every request', () => {
    expect(t.output().split('\n').length).toBeGreaterThan(seen.length);
    expect(t.output()).toContain(`/v1/vault/tokens/${visible}`);
  });
  it('contain no password, access or refresh token, cookie, client secret or vault value, in any common encoding', async () => {
    await new Promise((r) => setTimeout(r, 300)); // let the last lines flush
    const out = t.output();
    expect(secrets.size).toBeGreaterThan(20);
    for (const secret of secrets) {
      for (const form of [
        secret,
        Buffer.from(secret).toString('base64'),
        Buffer.from(secret).toString('hex'),
        encodeURIComponent(secret),
      ]) {
        if (form.length < 8) continue;
        expect(out.includes(form), `a secret (${secret.slice(0, 4)}…) is in the logs`).toBe(false);
      }
    }
  });
  it('contain no stack traces or error-level lines from this run', () => {
    expect(t.output()).not.toMatch(/"level":(50|60)/);
  });
});

describe('security headers on every response (ASVS V14.4)', () => {
  it('every response: nosniff, a CSP that forbids framing, no-referrer, no X-Powered-By', () => {
    expect(seen.length).toBeGreaterThan(30);
    for (const { what, res } of seen) {
      expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
      expect(res.headers.get('content-security-policy') ?? '', what).toContain(
        "frame-ancestors 'none'",
      );
      expect(res.headers.get('referrer-policy'), what).toBe('no-referrer');
      expect(res.headers.get('x-powered-by'), what).toBeNull();
      expect(res.status, what).toBeLessThan(500);
    }
  });
  it("API responses forbid everything: default-src 'none'", () => {
    for (const { what, res } of seen.filter((s) => s.what !== 'web page')) {
      expect(res.headers.get('content-security-policy') ?? '', what).toContain(
        "default-src 'none'",
      );
    }
  });
});

describe('Cache-Control: no-store on anything with a token or a vault value (RFC 6749 §5.1, ASVS V8.2.1)', () => {
  it('every sensitive response, and every /v1 error', () => {
    const checked = seen.filter((s) => s.sensitive || (s.res.status >= 400 && s.what !== '404'));
    expect(checked.length).toBeGreaterThan(15);
    for (const { what, res } of checked) {
      expect(res.headers.get('cache-control') ?? '', what).toMatch(/no-store/);
    }
  });
  it('the sensitive responses really carried what they protect', () => {
    const bodies = seen
      .filter((s) => s.sensitive)
      .map((s) => s.res.text)
      .join('\n');
    expect(bodies).toContain('access_token');
    expect(bodies).toContain('4111111111111111');
  });
});
