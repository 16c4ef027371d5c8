/**
 * JWT forgery against a running server (black box over HTTP). Every case must end in the one
 * refusal: 401 `invalid_token`, the same body, `WWW-Authenticate: Bearer error="invalid_token"`,
 * never a 5xx and never an outbound request. Unit-level twins of many of these cases, with the
 * exact error codes, are in packages/verify/test/attacks.test.ts and, against `jose` as an
 * oracle, packages/verify/test/differential.test.ts.
 *
 * Sources:
 * - RFC 8725 (JWT BCP) §2.1 "weak signatures and insufficient signature validation", §3.1.
 * - PortSwigger Web Security Academy, "JWT attacks" and "Algorithm confusion attacks"
 *   (alg:none, jwk/jku/kid header injection, kid path traversal to /dev/null, HS256 with the
 *   server's public key in PEM/X.509/JWK forms).
 * - CVE-2015-9235 (jsonwebtoken < 4.2.2: HS256 verified with an RSA public key),
 *   CVE-2022-23540 (jsonwebtoken 8: `none` accepted when no key), CVE-2022-23541 (jsonwebtoken 8:
 *   public keys used as HMAC secrets), CVE-2023-48223 (fast-jwt: RSA "BEGIN RSA PUBLIC KEY"
 *   PEM not recognised as public, so usable as an HMAC secret).
 * - CVE-2018-0114 (node-jose: trusting an embedded `jwk`), CVE-2022-21449 ("psychic
 *   signatures": Java accepted ECDSA r = s = 0), CVE-2016-5431 / CVE-2016-10555 (alg swaps).
 * - OWASP ASVS 4.0.3 V3.5.3 (stateless tokens use signatures and protect against none/alg swaps).
 */
import {
  createHmac,
  createPublicKey,
  constants as cryptoConstants,
  sign as cryptoSign,
  generateKeyPairSync,
} from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Account,
  b64u,
  call,
  claimsFor,
  expectInvalidToken,
  forge,
  json64,
  learnInvalidTokenBody,
  signEs,
  signUp,
  startTarget,
  type Target,
} from './helpers.js';

let t: Target;
let ada: Account;
/** Counts requests that reach our "attacker" host: a `jku`/`x5u` must never be fetched. */
let outbound: Server;
let outboundHits = 0;
let outboundUrl: string;

beforeAll(async () => {
  t = await startTarget();
  ada = await signUp(t);
  await learnInvalidTokenBody(t);
  outbound = createServer((_req, res) => {
    outboundHits += 1;
    res.end('{"keys":[]}');
  });
  await new Promise<void>((r) => outbound.listen(0, '127.0.0.1', r));
  outboundUrl = `http://127.0.0.1:${(outbound.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t?.stop();
  outbound?.close();
});

const hs = (
  alg: 'HS256' | 'HS384' | 'HS512',
  secret: string | Buffer,
  header: object,
  claims: object,
) => {
  const h = json64(header);
  const p = json64(claims);
  const mac = createHmac(`sha${alg.slice(2)}`, secret)
    .update(`${h}.${p}`)
    .digest();
  return `${h}.${p}.${b64u(mac)}`;
};

describe('control', () => {
  it('accepts a token we signed exactly as the server would (so every refusal below is the check under test)', async () => {
    const res = await call(t, 'GET', '/v1/me', { token: forge(t, ada) });
    expect(res.status).toBe(200);
    expect(res.json.id).toBe(ada.id);
  });
});

describe('alg: none in every spelling (RFC 8725 §2.1, CVE-2022-23540, PortSwigger)', () => {
  const spellings = ['none', 'None', 'NONE', 'nOnE', 'none ', ' none', 'none\u0000', ''];
  it.each(spellings.map((s) => [JSON.stringify(s)]))(
    'alg %s with an empty signature',
    async (s) => {
      const alg = JSON.parse(s) as string;
      const token = `${json64({ alg, typ: 'at+jwt', kid: t.es.kid })}.${json64(claimsFor(ada))}.`;
      await expectInvalidToken(t, token);
    },
  );
  it.each(['none', 'None', 'NONE'])(
    'alg %s keeping a valid signature of the original token',
    async (alg) => {
      const good = forge(t, ada).split('.');
      const token = `${json64({ alg, typ: 'at+jwt', kid: t.es.kid })}.${good[1]}.${good[2]}`;
      await expectInvalidToken(t, token);
    },
  );
  it('alg none without any kid or typ', async () => {
    await expectInvalidToken(t, `${json64({ alg: 'none' })}.${json64(claimsFor(ada))}.`);
  });
  it('alg missing, null, a number and an array', async () => {
    for (const alg of [undefined, null, 256, ['ES256']]) {
      await expectInvalidToken(t, forge(t, ada, {}, { alg }));
    }
  });
});

describe('HMAC keyed with the public key, in each encoding (CVE-2015-9235, CVE-2022-23541, CVE-2023-48223)', () => {
  const encodings = (): [string, string, string | Buffer][] => {
    const esPub = t.es.publicKey;
    const rsPub = t.rs.publicKey;
    const esJwk = esPub.export({ format: 'jwk' });
    const rsJwk = rsPub.export({ format: 'jwk' });
    const spki = (k: typeof esPub) => k.export({ type: 'spki', format: 'pem' }) as string;
    return [
      ['ES', 'SPKI PEM', spki(esPub)],
      ['ES', 'SPKI PEM without the final newline', spki(esPub).trimEnd()],
      ['ES', 'SPKI PEM with CRLF line ends', spki(esPub).replaceAll('\n', '\r\n')],
      ['ES', 'SPKI DER', esPub.export({ type: 'spki', format: 'der' })],
      ['ES', 'JWK JSON', JSON.stringify({ ...esJwk, kid: t.es.kid, alg: 'ES256' })],
      [
        'ES',
        'raw uncompressed point',
        Buffer.concat([
          Buffer.from([4]),
          Buffer.from(esJwk.x!, 'base64url'),
          Buffer.from(esJwk.y!, 'base64url'),
        ]),
      ],
      ['ES', 'x coordinate as base64url text', esJwk.x!],
      ['RS', 'SPKI PEM', spki(rsPub)],
      [
        'RS',
        'PKCS#1 "BEGIN RSA PUBLIC KEY" PEM (the fast-jwt case)',
        rsPub.export({ type: 'pkcs1', format: 'pem' }) as string,
      ],
      ['RS', 'SPKI DER', rsPub.export({ type: 'spki', format: 'der' })],
      ['RS', 'JWK JSON', JSON.stringify({ ...rsJwk, kid: t.rs.kid, alg: 'RS256' })],
      ['RS', 'modulus n as base64url text', rsJwk.n!],
    ];
  };
  it.each(Array.from({ length: 12 }, (_, i) => [i]))(
    'encoding #%i as HS256 secret under the real kid',
    async (i) => {
      const [family, _what, secret] = encodings()[i]!;
      const kid = family === 'ES' ? t.es.kid : t.rs.kid;
      await expectInvalidToken(
        t,
        hs('HS256', secret, { alg: 'HS256', typ: 'at+jwt', kid }, claimsFor(ada)),
      );
    },
  );
  it('the SPKI PEM as HS384 and HS512 secret', async () => {
    const pem = t.es.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    for (const alg of ['HS384', 'HS512'] as const) {
      await expectInvalidToken(
        t,
        hs(alg, pem, { alg, typ: 'at+jwt', kid: t.es.kid }, claimsFor(ada)),
      );
    }
  });
  it('the whole published JWKS document as HS256 secret', async () => {
    const jwks = (await call(t, 'GET', '/.well-known/jwks.json')).text;
    await expectInvalidToken(
      t,
      hs('HS256', jwks, { alg: 'HS256', typ: 'at+jwt', kid: t.es.kid }, claimsFor(ada)),
    );
  });
});

describe('blank and weak HMAC secrets (RFC 8725 §3.5, PortSwigger "brute-forcing secret keys")', () => {
  it.each([[''], ['secret'], ['tessera'], ['your-256-bit-secret'], ['\u0000']])(
    'HS256 with secret %j',
    async (secret) => {
      for (const kid of [t.es.kid, 'default', undefined]) {
        await expectInvalidToken(
          t,
          hs('HS256', secret, { alg: 'HS256', typ: 'at+jwt', kid }, claimsFor(ada)),
        );
      }
    },
  );
});

describe('algorithm swaps within a family (the key fixes the algorithm, RFC 8725 §3.1)', () => {
  it('ES384 header, P-256 key signing SHA-384', async () => {
    const h = json64({ alg: 'ES384', typ: 'at+jwt', kid: t.es.kid });
    const p = json64(claimsFor(ada));
    const sig = cryptoSign('sha384', Buffer.from(`${h}.${p}`), {
      key: t.es.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    await expectInvalidToken(t, `${h}.${p}.${b64u(sig)}`);
  });
  it('ES512 and ES256K headers on the ES256 key', async () => {
    for (const alg of ['ES512', 'ES256K']) await expectInvalidToken(t, forge(t, ada, {}, { alg }));
  });
  it('PS256 header, signed with RSA-PSS by the real RSA key', async () => {
    const h = json64({ alg: 'PS256', typ: 'at+jwt', kid: t.rs.kid });
    const p = json64(claimsFor(ada));
    const sig = cryptoSign('sha256', Buffer.from(`${h}.${p}`), {
      key: t.rs.privateKey,
      padding: cryptoConstants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
    await expectInvalidToken(t, `${h}.${p}.${b64u(sig)}`);
  });
  it('RS384 and RS512 headers, signed by the real RSA key', async () => {
    for (const alg of ['RS384', 'RS512']) {
      const h = json64({ alg, typ: 'at+jwt', kid: t.rs.kid });
      const p = json64(claimsFor(ada));
      const sig = cryptoSign(`sha${alg.slice(2)}`, Buffer.from(`${h}.${p}`), t.rs.privateKey);
      await expectInvalidToken(t, `${h}.${p}.${b64u(sig)}`);
    }
  });
  it('RS256 header naming the EC key, signed by the RSA key', async () => {
    const h = json64({ alg: 'RS256', typ: 'at+jwt', kid: t.es.kid });
    const p = json64(claimsFor(ada));
    await expectInvalidToken(
      t,
      `${h}.${p}.${b64u(cryptoSign('sha256', Buffer.from(`${h}.${p}`), t.rs.privateKey))}`,
    );
  });
  it('EdDSA header naming the EC key, signed by an attacker Ed25519 key', async () => {
    const ed = generateKeyPairSync('ed25519');
    const h = json64({ alg: 'EdDSA', typ: 'at+jwt', kid: t.es.kid });
    const p = json64(claimsFor(ada));
    await expectInvalidToken(
      t,
      `${h}.${p}.${b64u(cryptoSign(null, Buffer.from(`${h}.${p}`), ed.privateKey))}`,
    );
  });
  it('lower-case es256', async () => {
    await expectInvalidToken(t, forge(t, ada, {}, { alg: 'es256' }));
  });
});

describe('keys named or carried by the token (CVE-2018-0114, PortSwigger jwk/jku injection)', () => {
  const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const attackerSigned = (header: Record<string, unknown>) => {
    const h = json64({ alg: 'ES256', typ: 'at+jwt', ...header });
    const p = json64(claimsFor(ada));
    const sig = cryptoSign('sha256', Buffer.from(`${h}.${p}`), {
      key: attacker.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    return `${h}.${p}.${b64u(sig)}`;
  };
  it('embedded jwk of the attacker key, signed with it', async () => {
    const jwk = attacker.publicKey.export({ format: 'jwk' });
    await expectInvalidToken(t, attackerSigned({ jwk, kid: 'attacker' }));
    await expectInvalidToken(t, attackerSigned({ jwk, kid: t.es.kid }));
  });
  it('embedded jwk even on a token our own key signed', async () => {
    await expectInvalidToken(
      t,
      forge(t, ada, {}, { jwk: t.es.publicKey.export({ format: 'jwk' }) }),
    );
  });
  it.each([['jku'], ['x5u']])(
    '%s pointing at an attacker host is never fetched',
    async (member) => {
      const before = outboundHits;
      await expectInvalidToken(
        t,
        attackerSigned({ [member]: `${outboundUrl}/jwks.json`, kid: 'attacker' }),
      );
      await expectInvalidToken(t, forge(t, ada, {}, { [member]: `${outboundUrl}/jwks.json` }));
      await new Promise((r) => setTimeout(r, 200));
      expect(outboundHits).toBe(before);
    },
  );
  it('x5c with an attacker certificate chain', async () => {
    const der = b64u(attacker.publicKey.export({ type: 'spki', format: 'der' }));
    await expectInvalidToken(t, attackerSigned({ x5c: [der], kid: 'attacker' }));
    await expectInvalidToken(t, forge(t, ada, {}, { x5c: [der] }));
  });
  it('a kid that is only in the attacker JWKS (unknown kid flood stays a 401)', async () => {
    for (let i = 0; i < 20; i++) await expectInvalidToken(t, attackerSigned({ kid: `k${i}` }));
  });
});

describe('kid injection (PortSwigger kid path traversal; SQL and type confusion)', () => {
  const kids: [string, unknown][] = [
    ['path to /dev/null', '../../../../../../../dev/null'],
    ['path to the data dir', '../data/tessera.db'],
    ['SQL tautology', "' OR '1'='1"],
    ['SQL union', "x' UNION SELECT 'AA==' --"],
    ['NUL byte', `${'a'}\u0000${'b'}`],
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
    ['empty string', ''],
    ['number', 1],
    ['null', null],
    ['array of the real kid', ['REAL']],
    ['object', { $ne: null }],
    ['huge (6 KB)', 'k'.repeat(6000)],
    ['the real kid with a trailing space', 'REAL '],
  ];
  it.each(kids.map(([name, kid]) => [name, kid]))(
    'kid = %s (signed by our key, and HS256 with an empty secret)',
    async (_name, kid) => {
      const value = Array.isArray(kid) ? [t.es.kid] : kid === 'REAL ' ? `${t.es.kid} ` : kid;
      await expectInvalidToken(t, forge(t, ada, {}, { kid: value }));
      await expectInvalidToken(
        t,
        hs('HS256', '', { alg: 'HS256', typ: 'at+jwt', kid: value }, claimsFor(ada)),
      );
    },
  );
});

describe('ECDSA edge signatures (CVE-2022-21449, malformed lengths, DER)', () => {
  const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
  const withSig = (sig: Buffer) => {
    const [h, p] = forge(t, ada).split('.');
    return `${h}.${p}.${b64u(sig)}`;
  };
  it('r = s = 0 (psychic signature)', async () => {
    await expectInvalidToken(t, withSig(Buffer.alloc(64)));
  });
  it('r = s = n (the curve order)', async () => {
    await expectInvalidToken(t, withSig(Buffer.concat([n, n])));
  });
  it('r = 0 with the real s, and the real r with s = 0', async () => {
    const sig = Buffer.from(forge(t, ada).split('.')[2]!, 'base64url');
    await expectInvalidToken(t, withSig(Buffer.concat([Buffer.alloc(32), sig.subarray(32)])));
    await expectInvalidToken(t, withSig(Buffer.concat([sig.subarray(0, 32), Buffer.alloc(32)])));
  });
  it('DER-encoded signature instead of raw r||s', async () => {
    const h = json64({ alg: 'ES256', typ: 'at+jwt', kid: t.es.kid });
    const p = json64(claimsFor(ada));
    const der = cryptoSign('sha256', Buffer.from(`${h}.${p}`), t.es.privateKey);
    await expectInvalidToken(t, `${h}.${p}.${b64u(der)}`);
  });
  it('truncated to 63 bytes, extended to 65 and doubled to 128', async () => {
    const sig = Buffer.from(forge(t, ada).split('.')[2]!, 'base64url');
    await expectInvalidToken(t, withSig(sig.subarray(0, 63)));
    await expectInvalidToken(t, withSig(Buffer.concat([sig, Buffer.from([0])])));
    await expectInvalidToken(t, withSig(Buffer.concat([sig, sig])));
  });
  it('all 0xff, and a single byte', async () => {
    await expectInvalidToken(t, withSig(Buffer.alloc(64, 0xff)));
    await expectInvalidToken(t, withSig(Buffer.from([1])));
  });
  it('a valid signature moved onto other claims (sub of another user)', async () => {
    const other = await signUp(t);
    const [, , s] = forge(t, ada).split('.');
    const [h, p] = forge(t, ada, { sub: other.id, sid: other.sid }).split('.');
    await expectInvalidToken(t, `${h}.${p}.${s}`);
  });
  it('one flipped bit in the payload', async () => {
    const [h, p, s] = forge(t, ada).split('.') as [string, string, string];
    const bytes = Buffer.from(p, 'base64url');
    bytes[5] = (bytes[5] ?? 0) ^ 1;
    await expectInvalidToken(t, `${h}.${b64u(bytes)}.${s}`);
  });
});

describe('serialization: JWS JSON, segment counts, base64url canonical form (RFC 7515 §3, §7.2)', () => {
  it('flattened JWS JSON serialization as the bearer (raw and base64url-wrapped)', async () => {
    const [h, p, s] = forge(t, ada).split('.');
    const flattened = JSON.stringify({ protected: h, payload: p, signature: s });
    const res = await call(t, 'GET', '/v1/me', {
      headers: { authorization: `Bearer ${flattened}` },
    });
    expect(res.status).toBe(401);
    expect(res.json.error).toBe('invalid_token');
    await expectInvalidToken(t, b64u(flattened));
  });
  it('general JWS JSON with two signatures, base64url-wrapped', async () => {
    const [h, p, s] = forge(t, ada).split('.');
    await expectInvalidToken(
      t,
      b64u(
        JSON.stringify({
          payload: p,
          signatures: [
            { protected: h, signature: s },
            { protected: json64({ alg: 'none' }), signature: '' },
          ],
        }),
      ),
    );
  });
  it.each([
    ['two segments', (h: string, p: string, _s: string) => `${h}.${p}`],
    ['four segments', (h: string, p: string, s: string) => `${h}.${p}.${s}.${s}`],
    ['five segments (JWE shape)', (h: string, p: string, s: string) => `${h}.${p}.${s}.${s}.${s}`],
    ['empty header', (_h: string, p: string, s: string) => `.${p}.${s}`],
    ['empty payload', (h: string, _p: string, s: string) => `${h}..${s}`],
    ['trailing dot', (h: string, p: string, s: string) => `${h}.${p}.${s}.`],
    ['padding on the signature', (h: string, p: string, s: string) => `${h}.${p}.${s}==`],
    [
      'standard base64 alphabet in the signature',
      (h: string, p: string, s: string) =>
        `${h}.${p}.${s.replaceAll('-', '+').replaceAll('_', '/')}${/[-_]/.test(s) ? '' : '+'}`,
    ],
    [
      'non-canonical last character of the signature',
      (h: string, p: string, s: string) =>
        `${h}.${p}.${s.slice(0, -1)}${s.at(-1) === 'A' ? 'B' : String.fromCharCode(s.charCodeAt(s.length - 1) ^ 1)}`,
    ],
    [
      'header re-encoded with whitespace',
      (_h: string, p: string, s: string) =>
        `${b64u(` ${JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: t.es.kid })}`)}.${p}.${s}`,
    ],
  ])('%s', async (_name, mangle) => {
    const [h, p, s] = forge(t, ada).split('.') as [string, string, string];
    await expectInvalidToken(t, mangle(h, p, s));
  });
  it('header or payload that is not a JSON object (array, string, number, invalid UTF-8)', async () => {
    for (const header of [
      b64u('[]'),
      b64u('"x"'),
      b64u('1'),
      b64u(Buffer.from([0x7b, 0xff, 0x7d])),
    ]) {
      await expectInvalidToken(t, signEs(t, header, claimsFor(ada)));
    }
    for (const payload of [b64u('[]'), b64u('null'), b64u(Buffer.from([0x7b, 0xc3, 0x7d]))]) {
      await expectInvalidToken(
        t,
        signEs(t, { alg: 'ES256', typ: 'at+jwt', kid: t.es.kid }, payload),
      );
    }
  });
});

describe('crit and b64 (RFC 7515 §4.1.11, RFC 7797)', () => {
  it.each([
    ['crit naming a registered claim', { crit: ['exp'] }],
    ['crit naming an unknown extension', { crit: ['urn:x'], 'urn:x': true }],
    ['crit empty array', { crit: [] }],
    ['crit as a string', { crit: 'b64' }],
    ['b64:false with crit', { b64: false, crit: ['b64'] }],
    ['b64:false without crit', { b64: false }],
  ])('%s', async (_name, extra) => {
    await expectInvalidToken(t, forge(t, ada, {}, extra));
  });
  it('b64:false with an unencoded payload signed over the raw bytes', async () => {
    const h = json64({ alg: 'ES256', typ: 'at+jwt', kid: t.es.kid, b64: false, crit: ['b64'] });
    const payload = JSON.stringify(claimsFor(ada));
    const sig = cryptoSign('sha256', Buffer.concat([Buffer.from(`${h}.`), Buffer.from(payload)]), {
      key: t.es.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    await expectInvalidToken(t, `${h}.${b64u(payload)}.${b64u(sig)}`);
  });
});

describe('oversized and deeply nested headers (SPEC §2.2: 8 KiB)', () => {
  it('a correctly signed token just over 8 KiB', async () => {
    const token = forge(t, ada, { pad: 'x'.repeat(6200) });
    expect(token.length).toBeGreaterThan(8192);
    await expectInvalidToken(t, token);
  });
  it('a header and a payload nested 2000 levels deep, with a forged signature', async () => {
    const deep = `${'['.repeat(2000)}${']'.repeat(2000)}`;
    const h = b64u(`{"alg":"ES256","typ":"at+jwt","kid":"${t.es.kid}","x":${deep}}`);
    const sig = forge(t, ada).split('.')[2];
    await expectInvalidToken(t, `${h}.${json64(claimsFor(ada))}.${sig}`);
    await expectInvalidToken(
      t,
      `${json64({ alg: 'ES256', typ: 'at+jwt', kid: t.es.kid })}.${b64u(`{"x":${deep}}`)}.${sig}`,
    );
  });
  it('a header with 500 members', async () => {
    const extra = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`m${i}`, i]));
    await expectInvalidToken(t, forge(t, ada, {}, { ...extra, crit: ['m1'] }));
  });
  it('a 30 KB Authorization header is refused without a 5xx', async () => {
    const res = await call(t, 'GET', '/v1/me', {
      headers: { authorization: `Bearer ${'a'.repeat(30_000)}` },
    });
    expect([401, 431]).toContain(res.status);
  });
  it('the public key itself, and a JWKS, as a bearer', async () => {
    await expectInvalidToken(t, b64u(JSON.stringify(t.es.publicKey.export({ format: 'jwk' }))));
    expect(createPublicKey(t.es.privateKey).type).toBe('public');
  });
});

describe('bearer extraction (RFC 6750)', () => {
  it('token in the query string is not read', async () => {
    const res = await call(t, 'GET', `/v1/me?access_token=${forge(t, ada)}`);
    expect(res.status).toBe(401);
    expect(res.json.error).toBe('invalid_token');
  });
  it.each([
    ['Basic scheme', (tok: string) => `Basic ${tok}`],
    ['two tokens', (tok: string) => `Bearer ${tok} ${tok}`],
    ['no space', (tok: string) => `Bearer${tok}`],
    ['trailing junk', (tok: string) => `Bearer ${tok};x`],
  ])('%s', async (_name, make) => {
    const res = await call(t, 'GET', '/v1/me', { headers: { authorization: make(forge(t, ada)) } });
    expect(res.status).toBe(401);
    expect(res.json.error).toBe('invalid_token');
  });
});

describe('no delay: every refusal is as quick as refusing garbage', () => {
  it('medians over 150 samples of four refusal paths stay within 3× of each other and under 50 ms', async () => {
    const [h, p] = forge(t, ada).split('.');
    const paths: Record<string, string> = {
      garbage: 'x.y.z',
      'bad signature': `${h}.${p}.${b64u(Buffer.alloc(64, 7))}`,
      'alg confusion': hs(
        'HS256',
        t.es.publicKey.export({ type: 'spki', format: 'pem' }) as string,
        { alg: 'HS256', typ: 'at+jwt', kid: t.es.kid },
        claimsFor(ada),
      ),
      'unknown kid': forge(t, ada, {}, { kid: 'no-such-key' }),
    };
    const samples: Record<string, number[]> = Object.fromEntries(
      Object.keys(paths).map((k) => [k, []]),
    );
    for (let i = 0; i < 150; i++) {
      for (const [name, token] of Object.entries(paths)) {
        const start = performance.now();
        const res = await fetch(`${t.url}/v1/me`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await res.arrayBuffer();
        samples[name]!.push(performance.now() - start);
        expect(res.status).toBe(401);
      }
    }
    const medians = Object.values(samples).map((xs) => [...xs].sort((a, b) => a - b)[75]!);
    expect(Math.max(...medians)).toBeLessThan(50);
    expect(Math.max(...medians) / Math.min(...medians)).toBeLessThan(3);
  });
});
