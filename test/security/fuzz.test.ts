/**
 * Property-based fuzzing (fast-check) of every JSON route and of the token parser, against a
 * running server: never a 5xx, never a non-JSON error, never a hang, and the server is still
 * up at the end. The token parser is also fuzzed differentially against `jose` (what one
 * accepts, the other accepts) over the members where both follow the RFCs the same way; the
 * unit-level differential suite (packages/verify/test/differential.test.ts) covers the parser
 * alone with many more runs.
 *
 * Fixed seed and modest run counts here; `npm run fuzz` raises FUZZ_RUNS and draws a fresh seed
 * (printed, so a failure can be replayed with FUZZ_SEED=…).
 */
import { sign as cryptoSign, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../packages/server/test/helpers/cli.js';
import { testDatabases } from '../../packages/server/test/helpers/databases.js';
import {
  type Account,
  b64u,
  call,
  claimsFor,
  INVALID_TOKEN_BODY,
  ISSUER,
  json64,
  learnInvalidTokenBody,
  type Reply,
  signUp,
  startTarget,
  type Target,
} from './helpers.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = Number(
  process.env.FUZZ_SEED ?? (process.env.FUZZ_RUNS ? Date.now() % 2 ** 31 : 20261203),
);
if (process.env.FUZZ_RUNS) console.log(`fuzz: ${RUNS} runs per property, seed ${SEED}`);
const params = (runs = RUNS) => ({ numRuns: runs, seed: SEED, endOnFailure: true });
/** Per property: a generous allowance per run, so a hang fails instead of stalling CI. */
const budget = (runs = RUNS) => 30_000 + runs * 500;

let t: Target;
let ada: Account;
/** A second user for the raw-body property, which may log its own session out. */
let rawUser: Account;
let dropDatabase: (() => Promise<void>) | undefined;
let basic: string;
let jwks: ReturnType<typeof createLocalJWKSet>;

beforeAll(async () => {
  // PostgreSQL when available: it is the stricter store (it refuses U+0000 in text, finding 4).
  const pg = testDatabases.find((d) => d.name === 'postgres');
  if (pg) {
    const db = await pg.create();
    dropDatabase = db.drop;
    t = await startTarget({ DATABASE_URL: db.databaseUrl ?? '' });
  } else {
    t = await startTarget();
  }
  [ada, rawUser] = await Promise.all([signUp(t), signUp(t)]);
  await learnInvalidTokenBody(t);
  const created = await runCli(
    ['client', 'create', '--name', 'fuzz', '--scopes', 'vault:tokenize vault:read'],
    t.env,
  );
  const { client_id, client_secret } = JSON.parse(created.stdout);
  basic = Buffer.from(`${client_id}:${client_secret}`).toString('base64');
  jwks = createLocalJWKSet((await call(t, 'GET', '/.well-known/jwks.json')).json as JSONWebKeySet);
});
afterAll(async () => {
  await t?.stop();
  await dropDatabase?.();
});

/** The safe outcome of any request: no 5xx, and every error is `{error, error_description}`. */
function safe(res: Reply, what: string) {
  expect(res.status, `${what} → ${res.status} ${res.text.slice(0, 200)}`).toBeLessThan(500);
  if (res.status >= 400 && res.status !== 404) {
    expect(typeof res.json?.error, `${what} → ${res.text.slice(0, 200)}`).toBe('string');
    expect(typeof res.json?.error_description).toBe('string');
  }
}

async function send(
  method: string,
  path: string,
  body: unknown,
  opts: { token?: string; headers?: Record<string, string> } = {},
) {
  const res = await call(t, method, path, {
    raw: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...opts.headers },
    ...(opts.token ? { token: opts.token } : {}),
  });
  safe(res, `${method} ${path} ${JSON.stringify(body)?.slice(0, 200)}`);
  return res;
}

// Inputs: every JSON type, full Unicode (lone surrogates included), injection and edge strings.
const weird = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '__proto__',
  'constructor',
  "' OR 1=1 --",
  '$' + '{x}',
  '%00',
  '\ud800',
  '9'.repeat(40),
  '-1',
  '1e309',
  'NaN',
  'null',
);
const str = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  weird,
);
const any = fc.oneof(
  str,
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const field = (a: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 3, arbitrary: a }, { weight: 1, arbitrary: any });
const email = field(
  fc.oneof(
    fc.emailAddress(),
    fc.constant(null).map(() => ada.email) /* read at run time */,
  ),
);
const password = field(fc.string({ minLength: 8, maxLength: 40 }));
const extra = fc.dictionary(
  fc.oneof(str, fc.constantFrom('role', 'admin', '__proto__', 'id')),
  any,
  { maxKeys: 2 },
);
const strip = (o: Record<string, unknown>) => JSON.parse(JSON.stringify(o));
const vaultItem = fc.record(
  {
    value: field(
      fc.oneof(
        fc.stringMatching(/^[0-9 -]{10,22}$/),
        fc.stringMatching(/^[A-Z]{5}[0-9]{4}[A-Z]$/),
        fc.stringMatching(/^\d{3}-\d{2}-\d{4}$/),
        fc.stringMatching(/^\+\d{7,15}$/),
        fc.emailAddress(),
        str,
      ),
    ),
    type: field(fc.constantFrom('card', 'pan_in', 'ssn', 'phone', 'email', 'text')),
    preserve: maybe(field(fc.constantFrom('last4', 'first6_last4'))),
    luhn: maybe(field(fc.boolean())),
    deterministic: maybe(field(fc.boolean())),
    ttl_seconds: maybe(field(fc.integer({ min: -10, max: 400_000_000 }))),
    metadata: maybe(field(fc.dictionary(str, any, { maxKeys: 4 }))),
  },
  { requiredKeys: [] },
);

describe('every JSON route: structured inputs never cause a 5xx', () => {
  const token = () => ada.access;
  const routes: [string, string, fc.Arbitrary<unknown>, boolean][] = [
    [
      'POST',
      '/v1/auth/register',
      fc
        .tuple(
          fc.record(
            {
              email,
              password,
              name: maybe(field(str)),
              phone: maybe(field(fc.stringMatching(/^\+\d{6,16}$/))),
            },
            { requiredKeys: [] },
          ),
          extra,
        )
        .map(([a, b]) => ({ ...strip(a), ...b })),
      false,
    ],
    [
      'POST',
      '/v1/auth/login',
      fc
        .record(
          { email, password, transport: maybe(field(fc.constantFrom('body', 'cookie'))) },
          { requiredKeys: [] },
        )
        .map(strip),
      false,
    ],
    [
      'POST',
      '/v1/auth/refresh',
      fc.record({ refresh_token: maybe(field(fc.base64String())) }).map(strip),
      false,
    ],
    ['POST', '/v1/auth/logout', any, false],
    [
      'PATCH',
      '/v1/me',
      fc
        .record(
          {
            name: maybe(field(str)),
            avatar_url: maybe(field(fc.webUrl())),
            phone: maybe(field(fc.stringMatching(/^\+\d{6,16}$/))),
          },
          { requiredKeys: [] },
        )
        .map(strip),
      true,
    ],
    [
      'POST',
      '/v1/me/password',
      fc
        .record({ current_password: password, new_password: password }, { requiredKeys: [] })
        .map(strip),
      true,
    ],
    ['POST', '/v1/vault/tokens', vaultItem.map(strip), true],
    [
      'POST',
      '/v1/vault/tokens/batch',
      fc.record({ items: field(fc.array(fc.oneof(vaultItem.map(strip), any), { maxLength: 5 })) }),
      true,
    ],
    [
      'POST',
      '/v1/vault/detokenize',
      fc
        .record(
          {
            tokens: field(
              fc.array(
                field(
                  fc.oneof(
                    fc.stringMatching(/^\d{16}$/),
                    fc.stringMatching(/^tok_[A-Za-z0-9]{22}$/),
                  ),
                ),
                { maxLength: 5 },
              ),
            ),
            reason: maybe(field(str)),
          },
          { requiredKeys: [] },
        )
        .map(strip),
      true,
    ],
  ];
  it.each(routes.map((r) => [`${r[0]} ${r[1]}`, ...r] as const))(
    '%s',
    { timeout: budget() },
    async (_n, method, path, arb, auth) => {
      await fc.assert(
        fc.asyncProperty(arb, async (body) => {
          await send(method, path, body, auth ? { token: token() } : {});
        }),
        params(),
      );
      // A password change that happened to match would have ended the session: log in again.
      expect((await call(t, 'GET', '/v1/me', { token: ada.access })).status).toBeLessThan(500);
    },
  );

  it('POST /v1/oauth/token (JSON and form, random Basic credentials)', {
    timeout: budget(),
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            grant_type: field(fc.constantFrom('client_credentials', 'password', 'refresh_token')),
            scope: maybe(
              field(fc.constantFrom('vault:read', 'vault:tokenize vault:read', 'admin')),
            ),
          },
          { requiredKeys: [] },
        ),
        fc.oneof(
          fc.constant(basic),
          fc.base64String(),
          str.map((s) => b64u(s)),
        ),
        fc.boolean(),
        async (body, credentials, form) => {
          const raw = form
            ? new URLSearchParams(strip(body) as Record<string, string>).toString()
            : JSON.stringify(strip(body));
          const res = await call(t, 'POST', '/v1/oauth/token', {
            raw,
            headers: {
              'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
              authorization: `Basic ${credentials}`,
            },
          });
          safe(res, `oauth ${raw}`);
        },
      ),
      params(),
    );
  });

  it('path and query parameters of every GET/DELETE route', { timeout: budget() }, async () => {
    const templates = [
      'GET /v1/users/{}',
      'GET /v1/vault/tokens/{}',
      'DELETE /v1/vault/tokens/{}',
      'DELETE /v1/sessions/{}',
      'GET /v1/vault/tokens?type={}&limit={}&cursor={}',
      'GET /v1/audit?action={}&since={}&limit={}&cursor={}',
      'GET /v1/sessions?x={}',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...templates),
        fc.array(str, { minLength: 4, maxLength: 4 }),
        async (template, values) => {
          let i = 0;
          const [method, path] = template.split(' ') as [string, string];
          const url = path.replaceAll('{}', () =>
            encodeURIComponent((values[i++] ?? '').toWellFormed()),
          );
          const res = await call(t, method, url || '/', { token: ada.access });
          safe(res, `${method} ${url}`);
        },
      ),
      params(),
    );
  });
});

describe('every body-carrying route: random bytes and content types never cause a 5xx', () => {
  it('raw bodies', { timeout: budget(RUNS * 2) }, async () => {
    const paths = [
      '/v1/auth/register',
      '/v1/auth/login',
      '/v1/auth/refresh',
      '/v1/auth/logout',
      '/v1/me',
      '/v1/me/password',
      '/v1/vault/tokens',
      '/v1/vault/tokens/batch',
      '/v1/vault/detokenize',
      '/v1/oauth/token',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
        ),
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-16',
          'application/x-www-form-urlencoded',
          'text/plain',
          'APPLICATION/JSON',
          '',
        ),
        async (path, raw, type) => {
          const res = await call(t, path === '/v1/me' ? 'PATCH' : 'POST', path, {
            raw,
            token: rawUser.access,
            headers: type ? { 'content-type': type } : {},
          });
          safe(res, `${path} ${type} ${JSON.stringify(raw).slice(0, 100)}`);
        },
      ),
      params(RUNS * 2),
    );
  });
});

describe('the token parser', () => {
  const expectRefused = (res: Reply, what: string) => {
    expect(res.status, what).toBe(401);
    expect(res.json, what).toEqual(INVALID_TOKEN_BODY.json);
  };
  it('random token68 strings and random three-segment strings are the one 401', {
    timeout: budget(RUNS * 3),
  }, async () => {
    const seg = fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,200}=*$/),
          fc.tuple(seg, seg, seg).map((s) => s.join('.')),
          fc.tuple(seg, seg, seg, seg).map((s) => s.join('.')),
        ),
        async (token) => {
          expectRefused(await call(t, 'GET', '/v1/me', { token }), token);
        },
      ),
      params(RUNS * 3),
    );
  });

  const header = fc.record(
    {
      alg: field(fc.constantFrom('ES256', 'HS256', 'none', 'RS256', 'ES384', 'EdDSA', 'PS256')),
      typ: field(fc.constantFrom('at+jwt', 'JWT', 'application/at+jwt')),
      kid: field(fc.constantFrom('REAL', 'unknown', '../../dev/null')),
      crit: maybe(field(fc.constant(['b64']))),
      b64: maybe(field(fc.boolean())),
      jwk: maybe(fc.constant({ kty: 'oct', k: 'AA' })),
      jku: maybe(fc.constant('http://127.0.0.1:9/jwks')),
    },
    { requiredKeys: [] },
  );
  const claims = fc.record(
    {
      iss: maybe(field(fc.constant(ISSUER))),
      aud: maybe(field(fc.constant(ISSUER))),
      exp: maybe(field(fc.constantFrom(600, -600))),
      nbf: maybe(field(fc.constantFrom(-10, 600))),
      scope: maybe(field(fc.constant('profile vault'))),
    },
    { requiredKeys: [] },
  );
  const signature = fc.constantFrom('valid', 'random', 'empty', 'flipped');

  function build(h: Record<string, unknown>, c: Record<string, unknown>, sig: string) {
    const head = strip({ ...h, kid: h.kid === 'REAL' ? t.es.kid : h.kid });
    const now = Math.floor(Date.now() / 1000);
    const body = claimsFor(
      ada,
      strip({
        ...c,
        exp: typeof c.exp === 'number' ? now + c.exp : c.exp,
        nbf: typeof c.nbf === 'number' ? now + c.nbf : c.nbf,
      }),
    );
    if (!('exp' in c)) delete body.exp;
    const input = `${json64(head)}.${json64(body)}`;
    const real = cryptoSign('sha256', Buffer.from(input), {
      key: t.es.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    const s =
      sig === 'valid'
        ? real
        : sig === 'random'
          ? randomBytes(64)
          : sig === 'empty'
            ? Buffer.alloc(0)
            : Buffer.from(real.map((b, i) => (i === 10 ? b ^ 1 : b)));
    return `${input}.${b64u(s)}`;
  }

  it('structured tokens: a 200 only for an ES256 token our key signed, every refusal the one 401', {
    timeout: budget(RUNS * 3),
  }, async () => {
    await fc.assert(
      fc.asyncProperty(header, claims, signature, async (h, c, sig) => {
        const token = build(h, c, sig);
        const res = await call(t, 'GET', '/v1/me', { token });
        if (res.status === 200) {
          expect(sig).toBe('valid');
          expect(h.alg).toBe('ES256');
          expect(h.kid).toBe('REAL');
          expect(h.jwk ?? h.jku ?? h.crit).toBeUndefined();
        } else expectRefused(res, token);
      }),
      params(RUNS * 3),
    );
  });

  it('differential against jose: the server accepts exactly what jose accepts', {
    timeout: budget(RUNS * 3),
  }, async () => {
    // crit/b64, jwk/jku and a future iat are where Tessera is deliberately stricter than jose
    // (documented in docs/security.md); the generator leaves them out.
    const shared = header.map(({ crit: _c, b64: _b, jwk: _j, jku: _u, ...rest }) => rest);
    await fc.assert(
      fc.asyncProperty(shared, claims, signature, async (h, c, sig) => {
        const token = build(h, c, sig);
        const res = await call(t, 'GET', '/v1/me', { token });
        const joseAccepts = await jwtVerify(token, jwks, {
          issuer: ISSUER,
          audience: ISSUER,
          typ: 'at+jwt',
          clockTolerance: 30,
          requiredClaims: ['exp', 'sub', 'iat', 'jti', 'scope'],
        }).then(
          () => true,
          () => false,
        );
        expect(res.status === 200, `${token} server ${res.status}, jose ${joseAccepts}`).toBe(
          joseAccepts,
        );
      }),
      params(RUNS * 3),
    );
  });
});

describe('after all of it', () => {
  it('the server is up and the fuzzed user is still signed in', async () => {
    expect((await call(t, 'GET', '/healthz')).status).toBe(200);
    // The token properties rely on this session: a fuzz case that ended it would blind them.
    expect((await call(t, 'GET', '/v1/me', { token: ada.access })).status).toBe(200);
    expect(t.output()).not.toMatch(/"level":(50|60)/);
  });
});
