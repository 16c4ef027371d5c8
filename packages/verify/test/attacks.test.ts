/**
 * One test per attack or malformation the verifier must stop, each asserting the error `code`.
 * Every forged token here is correctly signed unless the test is about the signature, so the
 * check under test is the only thing that can refuse it.
 */
import { createHmac, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { type JwtKey, signJwt, verifyJwt } from '../src/index.js';
import {
  b64,
  claims,
  forge,
  header,
  type KeyPair,
  keyPair,
  options,
  outcome,
  replaceAt,
} from './helpers.js';

const es = keyPair('ES256');
const ed = keyPair('EdDSA');
const rs = keyPair('RS256');
const ps = keyPair('PS256');
const hs = keyPair('HS256');
const all = [es, ed, rs, ps, hs];

function verify(token: string, pair: KeyPair = es, extra = {}) {
  return outcome(() => verifyJwt(token, pair.keys, options(extra)));
}

describe('baseline', () => {
  it.each(all.map((p) => [p.alg, p] as const))('accepts a well-formed %s token', (_, pair) => {
    expect(verify(signJwt(claims(), pair.signing), pair)).toBe('accepted');
  });
});

describe('size and shape', () => {
  it('refuses an oversized token before parsing it (DoS)', () => {
    const parse = vi.spyOn(JSON, 'parse');
    expect(verify('x'.repeat(8193))).toBe('ERR_JWT_TOO_LARGE');
    expect(verify(`${signJwt(claims({ pad: 'x'.repeat(8000) }), es.signing)}`)).toBe(
      'ERR_JWT_TOO_LARGE',
    );
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
  });

  it('honours a lower maxTokenLength', () => {
    const token = signJwt(claims(), es.signing);
    expect(verify(token, es, { maxTokenLength: token.length })).toBe('accepted');
    expect(verify(token, es, { maxTokenLength: token.length - 1 })).toBe('ERR_JWT_TOO_LARGE');
  });

  it('refuses anything but exactly three segments (JWE, unsecured, truncated, extended)', () => {
    const token = signJwt(claims(), es.signing);
    const [h, p, s] = token.split('.') as [string, string, string];
    for (const bad of [
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `${h}.${p}.`,
      `.${p}.${s}`,
      `${h}..${s}`,
      `${h}.${p}.${s}.`,
      `${h}.${h}.${p}.${s}.${s}`,
      '',
      '..',
    ]) {
      expect(verify(bad), bad.slice(0, 20)).toBe('ERR_JWT_INVALID');
    }
  });

  it('refuses a non-string token', () => {
    expect(outcome(() => verifyJwt(42 as unknown as string, es.keys, options()))).toBe(
      'ERR_JWT_INVALID',
    );
  });
});

describe('strict base64url (signature malleability)', () => {
  const token = signJwt(claims(), es.signing);
  const [h, p, s] = token.split('.') as [string, string, string];

  it('refuses padding', () => {
    // 86 characters: a lenient decoder takes `==` and decodes the very same 64 bytes.
    expect(verify(`${h}.${p}.${s}==`)).toBe('ERR_JWT_INVALID');
  });

  it('refuses the standard alphabet', () => {
    const standard = Buffer.from(s, 'base64url').toString('base64').replace(/=+$/, '');
    expect(standard).not.toBe(s);
    expect(verify(`${h}.${p}.${standard}`)).toBe('ERR_JWT_INVALID');
  });

  it('refuses whitespace inside a segment', () => {
    for (const ws of [' ', '\n', '\t', '\r\n']) {
      expect(verify(`${h}.${p}.${s.slice(0, 10)}${ws}${s.slice(10)}`)).toBe('ERR_JWT_INVALID');
      expect(verify(`${h}.${p.slice(0, 10)}${ws}${p.slice(10)}.${s}`)).toBe('ERR_JWT_INVALID');
    }
    expect(verify(` ${token}`)).toBe('ERR_JWT_INVALID');
    expect(verify(`${token}\n`)).toBe('ERR_JWT_INVALID');
  });

  it('refuses non-zero trailing bits: a second spelling of the same signature', () => {
    // 64 bytes = 86 characters; the last one carries 4 unused bits.
    const last = s.at(-1) ?? 'A';
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) | 1] ?? 'B';
    const mangled = `${h}.${p}.${s.slice(0, -1)}${twin}`;
    expect(Buffer.from(`${s.slice(0, -1)}${twin}`, 'base64url')).toEqual(
      Buffer.from(s, 'base64url'),
    );
    expect(verify(mangled)).toBe('ERR_JWT_INVALID');
  });

  it('refuses characters that a lenient decoder skips or truncates', () => {
    // Node's decoder skips `.`/`!` and reads U+0141 as its low byte 0x41 ('A').
    expect(verify(`${h}.${p}.${s.slice(0, 5)}!${s.slice(5)}`)).toBe('ERR_JWT_INVALID');
    const a = s.indexOf('A');
    if (a >= 0) expect(verify(`${h}.${p}.${replaceAt(s, a, '\u0141')}`)).toBe('ERR_JWT_INVALID');
    expect(verify(`${h}.${replaceAt(p, 3, '\u0100')}.${s}`)).toBe('ERR_JWT_INVALID');
  });

  it('refuses a segment whose length is 1 mod 4 (no whole byte in the last quantum)', () => {
    expect((s.length + 3) % 4).toBe(1);
    expect(verify(`${h}.${p}.${s}AAA`)).toBe('ERR_JWT_INVALID');
  });
});

describe('header', () => {
  it('refuses a header that is not a JSON object', () => {
    for (const text of ['[]', 'null', '1', '"ES256"', '{', '{"alg":"ES256",}', '']) {
      const token = `${b64(text)}.${b64(JSON.stringify(claims()))}.${b64('sig')}`;
      expect(verify(text === '' ? `x${token}` : token), text).toBe('ERR_JWT_INVALID');
    }
  });

  it('refuses a header that is not UTF-8', () => {
    const bad = Buffer.concat([
      Buffer.from('{"alg":"ES256","typ":"at+jwt","kid":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    const token = forge(es, bad.toString('latin1'));
    const h = b64(bad);
    expect(verify(`${h}.${token.split('.')[1]}.${token.split('.')[2]}`)).toBe('ERR_JWT_INVALID');
  });

  it('refuses __proto__ in the header (prototype poisoning)', () => {
    expect(
      verify(forge(es, '{"alg":"ES256","typ":"at+jwt","kid":"ES256-key-1","__proto__":{"x":1}}')),
    ).toBe('ERR_JWT_INVALID');
    // JSON escapes spell the same member name.
    expect(
      verify(forge(es, '{"alg":"ES256","typ":"at+jwt","kid":"ES256-key-1","\\u005f_proto__":{}}')),
    ).toBe('ERR_JWT_INVALID');
  });

  it('refuses a missing or non-string alg', () => {
    for (const alg of [undefined, null, 1, ['ES256'], { name: 'ES256' }]) {
      expect(verify(forge(es, header(es, { alg })))).toBe('ERR_JWT_INVALID');
    }
  });

  it('refuses alg none in any spelling, before any key lookup or crypto', () => {
    const lookup = vi.fn((kid: string) => es.keys.get(kid));
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const token = `${b64(JSON.stringify(header(es, { alg })))}.${b64(JSON.stringify(claims()))}.`;
      expect(outcome(() => verifyJwt(token, lookup, options()))).toBe('ERR_JWT_INVALID');
      const withSignature = `${token}${b64('anything')}`;
      expect(outcome(() => verifyJwt(withSignature, lookup, options()))).toBe(
        'ERR_JOSE_ALG_NOT_ALLOWED',
      );
    }
    expect(lookup).not.toHaveBeenCalled();
  });

  it('refuses algorithms it does not implement', () => {
    for (const alg of ['HS512', 'RS512', 'ES384', 'ES256K', 'es256', 'Ed25519', '']) {
      expect(verify(forge(es, header(es, { alg }))), alg).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
    }
  });

  it('stops algorithm confusion: HS256 keyed with the RSA public key', () => {
    // The classic CVE-2015-9235 forgery: HMAC the token with the public key's bytes and claim
    // HS256. The key that kid names is bound to RS256, so the header's alg is refused.
    const pem = rs.verifying.key.export({ format: 'pem', type: 'spki' });
    const jwkBytes = JSON.stringify(rs.verifying.key.export({ format: 'jwk' }));
    for (const secret of [pem, jwkBytes]) {
      const h = b64(JSON.stringify(header(rs, { alg: 'HS256' })));
      const p = b64(JSON.stringify(claims()));
      const mac = createHmac('sha256', secret).update(`${h}.${p}`).digest();
      expect(verify(`${h}.${p}.${b64(mac)}`, rs)).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
    }
  });

  it('stops algorithm confusion: a public key misconfigured as an HMAC secret never computes an HMAC', () => {
    const misbound: JwtKey = { kid: 'oops', alg: 'HS256', key: rs.verifying.key };
    const h = b64(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid: 'oops' }));
    const p = b64(JSON.stringify(claims()));
    const mac = createHmac('sha256', rs.verifying.key.export({ format: 'pem', type: 'spki' }))
      .update(`${h}.${p}`)
      .digest();
    expect(() =>
      verifyJwt(`${h}.${p}.${b64(mac)}`, new Map([['oops', misbound]]), options()),
    ).toThrow(TypeError);
  });

  it('stops cross-algorithm substitution between asymmetric keys', () => {
    // An EdDSA-signed token presented with the ES256 key's kid, and PS256 vs RS256 on one RSA key.
    expect(verify(forge(ed, header(es, { alg: 'EdDSA' })))).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
    const rsaBoth = new Map([[rs.signing.kid, rs.verifying]]);
    const pss = { ...ps, signing: { ...ps.signing, key: rs.signing.key }, keys: rsaBoth };
    expect(
      outcome(() => verifyJwt(forge(pss, header(rs, { alg: 'PS256' })), rsaBoth, options())),
    ).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
  });

  it('applies the algorithms allow-list on top of the key binding', () => {
    const token = signJwt(claims(), es.signing);
    expect(verify(token, es, { algorithms: ['ES256'] })).toBe('accepted');
    expect(verify(token, es, { algorithms: ['EdDSA', 'RS256'] })).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
  });

  it('requires kid to be a non-empty string', () => {
    for (const kid of [undefined, '', 7, ['ES256-key-1'], null]) {
      expect(verify(forge(es, header(es, { kid })))).toBe('ERR_JWT_INVALID');
    }
  });

  it('refuses an unknown kid, including prototype member names', () => {
    for (const kid of ['other', '__proto__', 'constructor', 'toString']) {
      expect(verify(forge(es, header(es, { kid })))).toBe('ERR_JWKS_NO_MATCHING_KEY');
    }
    const lookup = (kid: string) => (kid === 'nobody' ? undefined : es.verifying);
    expect(
      outcome(() => verifyJwt(forge(es, header(es, { kid: 'nobody' })), lookup, options())),
    ).toBe('ERR_JWKS_NO_MATCHING_KEY');
  });

  it('refuses a key carried in the token (jwk header injection, CVE-2018-0114)', () => {
    const attacker = keyPair('ES256', 'attacker');
    const jwk = attacker.verifying.key.export({ format: 'jwk' });
    expect(verify(forge(attacker, header(es, { jwk })))).toBe('ERR_JOSE_NOT_SUPPORTED');
    // Even when signed by our own key: the member signals an attack and is never honoured.
    expect(verify(forge(es, header(es, { jwk })))).toBe('ERR_JOSE_NOT_SUPPORTED');
  });

  it('refuses a key referenced by URL or certificate (jku, x5u, x5c: SSRF, key substitution)', () => {
    expect(verify(forge(es, header(es, { jku: 'https://evil.test/jwks' })))).toBe(
      'ERR_JOSE_NOT_SUPPORTED',
    );
    expect(verify(forge(es, header(es, { x5u: 'https://evil.test/cert.pem' })))).toBe(
      'ERR_JOSE_NOT_SUPPORTED',
    );
    expect(verify(forge(es, header(es, { x5c: ['MIIB'] })))).toBe('ERR_JOSE_NOT_SUPPORTED');
  });

  it('ignores x5t thumbprints, which cannot introduce a key', () => {
    expect(verify(forge(es, header(es, { x5t: 'abc', 'x5t#S256': 'def' })))).toBe('accepted');
  });

  it('refuses any crit extension (RFC 7515 §4.1.11)', () => {
    expect(verify(forge(es, header(es, { crit: ['exp'], exp: 1 })))).toBe('ERR_JOSE_NOT_SUPPORTED');
    expect(verify(forge(es, header(es, { crit: ['b64'], b64: true })))).toBe(
      'ERR_JOSE_NOT_SUPPORTED',
    );
    for (const crit of [[], 'exp', [1], [''], null]) {
      expect(verify(forge(es, header(es, { crit }))), JSON.stringify(crit)).toBe('ERR_JWT_INVALID');
    }
  });

  it('refuses unencoded payloads (b64: false, RFC 7797), with or without crit', () => {
    expect(verify(forge(es, header(es, { crit: ['b64'], b64: false })))).toBe(
      'ERR_JOSE_NOT_SUPPORTED',
    );
    expect(verify(forge(es, header(es, { b64: false })))).toBe('ERR_JOSE_NOT_SUPPORTED');
    expect(verify(forge(es, header(es, { b64: 'false' })))).toBe('ERR_JOSE_NOT_SUPPORTED');
  });
});

describe('explicit typing (RFC 8725 §3.11, RFC 9068)', () => {
  it.each([['at+jwt'], ['AT+JWT'], ['application/at+jwt'], ['Application/AT+JWT']])(
    'accepts typ %s',
    (typ) => {
      expect(verify(forge(es, header(es, { typ })))).toBe('accepted');
    },
  );

  it('refuses an ID token or plain JWT presented as an access token', () => {
    for (const typ of ['JWT', 'jwt', 'application/jwt', 'id_token+jwt', 'at+jwt ', 'text/at+jwt']) {
      expect(verify(forge(es, header(es, { typ }))), typ).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED');
    }
  });

  it('refuses a missing or non-string typ, naming the claim', () => {
    for (const typ of [undefined, 1, ['at+jwt']]) {
      let error: unknown;
      try {
        verifyJwt(forge(es, header(es, { typ })), es.keys, options());
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'typ' });
    }
  });

  it('checks a custom typ the same way', () => {
    const token = signJwt(claims(), es.signing, { typ: 'logout+jwt' });
    expect(verify(token, es, { typ: 'application/logout+jwt' })).toBe('accepted');
    expect(verify(token)).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED');
  });
});

describe('signature', () => {
  const token = signJwt(claims(), es.signing);
  const [h, p, s] = token.split('.') as [string, string, string];
  const raw = Buffer.from(s, 'base64url');

  it.each(all.map((pair) => [pair.alg, pair] as const))(
    'refuses a %s token with one flipped signature bit',
    (_, pair) => {
      const good = signJwt(claims(), pair.signing);
      const [gh, gp, gs] = good.split('.') as [string, string, string];
      const bytes = Buffer.from(gs, 'base64url');
      bytes[5] = (bytes[5] ?? 0) ^ 0x10;
      expect(verify(`${gh}.${gp}.${b64(bytes)}`, pair)).toBe(
        'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      );
    },
  );

  it('refuses a changed payload under the original signature', () => {
    const forged = b64(JSON.stringify(claims({ sub: 'admin' })));
    expect(verify(`${h}.${forged}.${s}`)).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });

  it('refuses swapped segments', () => {
    expect(verify(`${p}.${h}.${s}`)).not.toBe('accepted');
    expect(verify(`${h}.${s}.${p}`)).not.toBe('accepted');
  });

  it('refuses the all-zero ES256 signature (CVE-2022-21449, "psychic signatures")', () => {
    expect(verify(`${h}.${p}.${b64(Buffer.alloc(64))}`)).toBe(
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    );
  });

  it('refuses ES256 signatures with r or s equal to zero or at least the group order n', () => {
    const n = Buffer.from(
      'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551',
      'hex',
    );
    const r = raw.subarray(0, 32);
    const sPart = raw.subarray(32);
    for (const bad of [
      Buffer.concat([Buffer.alloc(32), sPart]),
      Buffer.concat([r, Buffer.alloc(32)]),
      Buffer.concat([n, sPart]),
      Buffer.concat([r, n]),
      Buffer.concat([Buffer.alloc(32, 0xff), sPart]),
    ]) {
      expect(verify(`${h}.${p}.${b64(bad)}`)).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    }
  });

  it('refuses a DER-encoded ES256 signature of the very same r and s', () => {
    const der = cryptoSign('sha256', Buffer.from(`${h}.${p}`), es.signing.key as KeyObject);
    expect(der[0]).toBe(0x30);
    expect(verify(`${h}.${p}.${b64(der)}`)).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });

  it('refuses signatures of the wrong length for every algorithm', () => {
    for (const pair of all) {
      const [gh, gp, gs] = signJwt(claims(), pair.signing).split('.') as [string, string, string];
      const bytes = Buffer.from(gs, 'base64url');
      for (const bad of [
        bytes.subarray(0, bytes.length - 1),
        Buffer.concat([bytes, Buffer.from([0])]),
        bytes.subarray(0, 16),
      ]) {
        expect(verify(`${gh}.${gp}.${b64(bad)}`, pair), pair.alg).toBe(
          'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
        );
      }
    }
  });

  it('checks the signature before reading the payload', () => {
    // The payload is not JSON, and the signature is wrong: the signature error wins, so nothing
    // unauthenticated was parsed.
    const junk = b64('not json at all');
    expect(verify(`${h}.${junk}.${s}`)).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    // Correctly signed, the same payload is then refused as malformed.
    expect(verify(forge(es, header(es), 'not json at all'))).toBe('ERR_JWT_INVALID');
  });
});

describe('payload', () => {
  it('refuses a signed payload that is not a JSON object', () => {
    for (const text of ['[]', 'null', '42', '"claims"', '{"exp":1', 'true']) {
      expect(verify(forge(es, header(es), text)), text).toBe('ERR_JWT_INVALID');
    }
  });

  it('refuses a signed payload that is not UTF-8', () => {
    const h = b64(JSON.stringify(header(hs)));
    const p = b64(
      Buffer.concat([Buffer.from('{"sub":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
    );
    const mac = createHmac('sha256', hs.signing.key).update(`${h}.${p}`).digest();
    expect(verify(`${h}.${p}.${b64(mac)}`, hs)).toBe('ERR_JWT_INVALID');
  });

  it('refuses __proto__ anywhere in the claims (prototype poisoning)', () => {
    const base = JSON.stringify(claims()).slice(0, -1);
    for (const extra of [
      ',"__proto__":{"admin":true}}',
      ',"nested":{"deep":[{"__proto__":{"admin":true}}]}}',
      ',"\\u005f\\u005fproto\\u005f\\u005f":{"admin":true}}',
    ]) {
      expect(verify(forge(es, header(es), `${base}${extra}`)), extra).toBe('ERR_JWT_INVALID');
    }
    // Merely mentioning the word, or escaping other text, is fine.
    expect(verify(forge(es, header(es), `${base},"note":"__proto__ \\u00e9"}`))).toBe('accepted');
  });
});

describe('error hygiene', () => {
  it('never puts the token, a segment or a claim value in a message', () => {
    const secretish = 'sub-value-that-must-not-leak';
    const token = signJwt(claims({ sub: secretish, exp: 1 }), es.signing);
    const cases = [
      token,
      `${token}x`,
      forge(es, header(es, { typ: 'JWT' }), claims({ sub: secretish })),
      forge(es, header(es), claims({ iss: secretish })),
      forge(es, header(es), claims({ aud: secretish })),
      forge(es, header(es, { kid: secretish })),
      forge(es, header(es, { alg: secretish })),
    ];
    for (const bad of cases) {
      try {
        verifyJwt(bad, es.keys, options());
        expect.unreachable();
      } catch (error) {
        const message = (error as Error).message;
        expect(message).not.toContain(secretish);
        for (const segment of bad.split('.')) expect(message).not.toContain(segment);
      }
    }
  });
});
