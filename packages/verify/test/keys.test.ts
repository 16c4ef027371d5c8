/** importJwk and publicJwk: keys fit their algorithm, and nothing secret is ever published. */
import { createSecretKey, generateKeyPairSync, type JsonWebKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ALGORITHMS,
  type Algorithm,
  importJwk,
  type JwtKey,
  publicJwk,
  signJwt,
  verifyJwt,
} from '../src/index.js';
import { claims, keyPair, options } from './helpers.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

describe('publicJwk', () => {
  it.each(ALGORITHMS.filter((a) => a !== 'HS256').map((a) => [a]))(
    'publishes only the public half of a %s key, with kid, alg and use',
    (alg) => {
      const pair = keyPair(alg);
      for (const key of [pair.signing, pair.verifying]) {
        const jwk = publicJwk(key);
        expect(jwk).toMatchObject({ kid: key.kid, alg, use: 'sig' });
        for (const member of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(member);
      }
    },
  );

  it('round-trips through importJwk into a key that verifies', () => {
    for (const alg of ALGORITHMS.filter((a) => a !== 'HS256')) {
      const pair = keyPair(alg);
      const imported: JwtKey = {
        kid: 'imported',
        alg,
        key: importJwk(publicJwk(pair.signing), alg),
      };
      expect(imported.key.type).toBe('public');
      const token = signJwt(claims(), { ...pair.signing, kid: 'imported' });
      expect(verifyJwt(token, new Map([['imported', imported]]), options()).payload.sub).toBe(
        'user-1',
      );
    }
  });

  it('never publishes a symmetric key', () => {
    const pair = keyPair('HS256');
    expect(() => publicJwk(pair.signing)).toThrow(TypeError);
    const secretAsRsa = { kid: 'k', alg: 'RS256', key: createSecretKey(randomBytes(32)) } as const;
    expect(() => publicJwk(secretAsRsa)).toThrow(TypeError);
  });

  it('refuses a key that does not fit its algorithm', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    expect(() => publicJwk({ kid: 'k', alg: 'ES256', key: publicKey })).toThrow(TypeError);
  });
});

describe('importJwk', () => {
  function jwkOf(alg: Algorithm, which: 'private' | 'public' = 'private'): JsonWebKey {
    const pair = keyPair(alg);
    const key = which === 'private' ? pair.signing.key : pair.verifying.key;
    return key.export({ format: 'jwk' });
  }

  it.each(ALGORITHMS.map((a) => [a]))('imports %s keys, private when d is present', (alg) => {
    const key = importJwk(jwkOf(alg), alg);
    expect(key.type).toBe(alg === 'HS256' ? 'secret' : 'private');
    if (alg !== 'HS256') expect(importJwk(jwkOf(alg, 'public'), alg).type).toBe('public');
    const token = signJwt(claims(), { kid: 'k', alg, key });
    const verifying = alg === 'HS256' ? key : keyPair(alg).verifying.key;
    expect(
      verifyJwt(token, new Map([['k', { kid: 'k', alg, key: verifying }]]), options()).payload,
    ).toEqual(claims());
  });

  it('accepts the JWK members alg, use and key_ops when they agree', () => {
    const jwk = { ...jwkOf('ES256'), alg: 'ES256', use: 'sig', key_ops: ['sign'] };
    expect(importJwk(jwk, 'ES256').type).toBe('private');
  });

  const mismatches: [string, () => JsonWebKey, Algorithm][] = [
    ['an EC key for RS256', () => jwkOf('ES256'), 'RS256'],
    ['an RSA key for ES256', () => jwkOf('RS256'), 'ES256'],
    ['an Ed25519 key for ES256', () => jwkOf('EdDSA'), 'ES256'],
    ['a P-256 key for EdDSA', () => jwkOf('ES256'), 'EdDSA'],
    [
      'an X25519 key for EdDSA',
      () => generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }),
      'EdDSA',
    ],
    [
      'a P-384 key for ES256',
      () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' }),
      'ES256',
    ],
    [
      'a 1024-bit RSA key',
      () => generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }),
      'RS256',
    ],
    ['an oct key for RS256', () => jwkOf('HS256'), 'RS256'],
    ['an RSA key for HS256', () => jwkOf('RS256'), 'HS256'],
    [
      'a 31-byte oct key',
      () => ({ kty: 'oct', k: randomBytes(31).toString('base64url') }),
      'HS256',
    ],
    [
      'a padded oct key',
      () => ({ kty: 'oct', k: `${randomBytes(32).toString('base64url')}=` }),
      'HS256',
    ],
    ['an oct key without k', () => ({ kty: 'oct' }), 'HS256'],
    ['a JWK whose alg differs', () => ({ ...jwkOf('RS256'), alg: 'PS256' }), 'RS256'],
    ['a JWK for encryption', () => ({ ...jwkOf('ES256'), use: 'enc' }), 'ES256'],
    [
      'a JWK whose key_ops exclude signing',
      () => ({ ...jwkOf('ES256'), key_ops: ['encrypt'] }),
      'ES256',
    ],
  ];
  it.each(mismatches)('refuses %s (TypeError)', (_, make, alg) => {
    expect(() => importJwk(make(), alg)).toThrow(TypeError);
  });

  it('refuses a non-object and an unknown algorithm', () => {
    expect(() => importJwk(null as never, 'ES256')).toThrow(TypeError);
    expect(() => importJwk(jwkOf('ES256'), 'ES512' as never)).toThrow(TypeError);
  });
});
