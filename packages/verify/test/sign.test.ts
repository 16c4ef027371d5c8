/** signJwt: the header it writes, the primitive per algorithm, and refusals of misfit keys. */
import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ALGORITHMS, decodeJwt, type JwtKey, signJwt, verifyJwt } from '../src/index.js';
import { claims, keyPair, options } from './helpers.js';

describe('signJwt', () => {
  it.each(ALGORITHMS.map((alg) => [alg]))('round-trips %s', (alg) => {
    const pair = keyPair(alg);
    const token = signJwt(claims(), pair.signing);
    expect(verifyJwt(token, pair.keys, options()).payload).toEqual(claims());
  });

  it('writes exactly {alg, typ, kid}, in that order, with typ at+jwt by default', () => {
    const pair = keyPair('ES256');
    const [h = ''] = signJwt(claims(), pair.signing).split('.');
    expect(Buffer.from(h, 'base64url').toString()).toBe(
      '{"alg":"ES256","typ":"at+jwt","kid":"ES256-key-1"}',
    );
    const [custom = ''] = signJwt(claims(), pair.signing, { typ: 'logout+jwt' }).split('.');
    expect(JSON.parse(Buffer.from(custom, 'base64url').toString()).typ).toBe('logout+jwt');
  });

  it('encodes the payload as the JSON of the claims', () => {
    const pair = keyPair('HS256');
    const token = signJwt(claims({ name: 'Zoë ✓' }), pair.signing);
    expect(decodeJwt(token).payload).toEqual(claims({ name: 'Zoë ✓' }));
  });

  it('makes ES256 signatures as 64-byte r || s, never DER', () => {
    const pair = keyPair('ES256');
    for (let i = 0; i < 20; i++) {
      const signature = signJwt(claims({ jti: `t${i}` }), pair.signing).split('.')[2] ?? '';
      expect(Buffer.from(signature, 'base64url')).toHaveLength(64);
    }
  });

  it('is deterministic for EdDSA, RS256 and HS256, randomized for ES256 and PS256', () => {
    for (const alg of ALGORITHMS) {
      const pair = keyPair(alg);
      const first = signJwt(claims(), pair.signing);
      const second = signJwt(claims(), pair.signing);
      expect(first === second, alg).toBe(alg === 'EdDSA' || alg === 'RS256' || alg === 'HS256');
    }
  });

  describe('refuses a key that does not fit its algorithm (TypeError)', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const ed = generateKeyPairSync('ed25519');
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const rsa = keyPair('RS256').signing.key;
    const cases: [string, JwtKey][] = [
      ['a public key', { kid: 'k', alg: 'ES256', key: ec.publicKey }],
      ['a P-384 key for ES256', { kid: 'k', alg: 'ES256', key: p384.privateKey }],
      ['an Ed25519 key for ES256', { kid: 'k', alg: 'ES256', key: ed.privateKey }],
      ['a P-256 key for EdDSA', { kid: 'k', alg: 'EdDSA', key: ec.privateKey }],
      ['a 1024-bit RSA key', { kid: 'k', alg: 'RS256', key: rsa1024.privateKey }],
      ['a 1024-bit RSA key for PS256', { kid: 'k', alg: 'PS256', key: rsa1024.privateKey }],
      ['an RSA key for HS256', { kid: 'k', alg: 'HS256', key: rsa }],
      ['a secret for RS256', { kid: 'k', alg: 'RS256', key: createSecretKey(randomBytes(32)) }],
      ['a 16-byte HMAC secret', { kid: 'k', alg: 'HS256', key: createSecretKey(randomBytes(16)) }],
      ['an unknown algorithm', { kid: 'k', alg: 'RS512' as never, key: rsa }],
      ['no KeyObject', { kid: 'k', alg: 'HS256', key: randomBytes(32) as never }],
      ['an empty kid', { kid: '', alg: 'ES256', key: ec.privateKey }],
    ];
    it.each(cases)('%s', (_, key) => {
      expect(() => signJwt(claims(), key)).toThrow(TypeError);
    });
  });

  it('refuses claims that are not an object, or non-finite times', () => {
    const pair = keyPair('HS256');
    for (const bad of [null, [], 'claims', 1]) {
      expect(() => signJwt(bad as never, pair.signing)).toThrow(TypeError);
    }
    for (const name of ['exp', 'nbf', 'iat']) {
      expect(() => signJwt(claims({ [name]: Number.NaN }), pair.signing)).toThrow(TypeError);
      expect(() => signJwt(claims({ [name]: Number.POSITIVE_INFINITY }), pair.signing)).toThrow(
        TypeError,
      );
    }
    expect(() => signJwt(claims(), pair.signing, { typ: '' })).toThrow(TypeError);
  });
});
