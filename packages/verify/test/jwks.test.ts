import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseJwks, publicJwk } from '../src/index.js';
import { keyPair } from './helpers.js';

const ALL = ['ES256', 'EdDSA', 'RS256', 'PS256'] as const;
const jwk = (alg: (typeof ALL)[number], kid: string) => publicJwk(keyPair(alg, kid).signing);

describe('parseJwks', () => {
  it('imports one key per kid, each bound to its alg', () => {
    const { keys, skipped } = parseJwks({ keys: ALL.map((alg) => jwk(alg, `k-${alg}`)) }, ALL);
    expect(skipped).toBe(0);
    expect([...keys.values()].map((k) => [k.kid, k.alg, k.key.type])).toEqual(
      ALL.map((alg) => [`k-${alg}`, alg, 'public']),
    );
  });

  it('skips keys for encryption, symmetric keys, other algorithms and keys without kid', () => {
    const es = jwk('ES256', 'es');
    const { keys, skipped } = parseJwks(
      {
        keys: [
          { ...es, kid: 'enc', use: 'enc' },
          { ...es, kid: 'ops', key_ops: ['encrypt'] },
          { kty: 'oct', kid: 'hmac', alg: 'HS256', k: randomBytes(32).toString('base64url') },
          { ...es, kid: 'hs', alg: 'HS256' },
          { ...jwk('RS256', 'rs'), kid: 'rs512', alg: 'RS512' },
          { ...es, kid: undefined },
          { ...es, kid: '' },
          'not a key',
          null,
          { ...jwk('RS256', 'rs'), alg: undefined, kid: 'rsa-no-alg' },
          es,
        ],
      },
      ALL,
    );
    expect([...keys.keys()]).toEqual(['es']);
    expect(skipped).toBe(10);
  });

  it('skips keys whose algorithm is not allowed', () => {
    const { keys } = parseJwks({ keys: [jwk('RS256', 'rs'), jwk('ES256', 'es')] }, ['ES256']);
    expect([...keys.keys()]).toEqual(['es']);
  });

  it('infers ES256 and EdDSA for keys without alg, never an RSA algorithm', () => {
    const es = { ...jwk('ES256', 'es'), alg: undefined };
    const ed = { ...jwk('EdDSA', 'ed'), alg: undefined };
    const { keys } = parseJwks({ keys: [es, ed] }, ALL);
    expect([...keys.values()].map((k) => k.alg)).toEqual(['ES256', 'EdDSA']);
  });

  it('drops a kid that appears twice (ambiguous)', () => {
    const a = jwk('ES256', 'a');
    const b = { ...jwk('EdDSA', 'b'), kid: 'a' };
    const { keys } = parseJwks({ keys: [a, b, jwk('ES256', 'c')] }, ALL);
    expect([...keys.keys()]).toEqual(['c']);
  });

  it('imports only the public half of a key published with private members', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const leaked = { ...privateKey.export({ format: 'jwk' }), kid: 'oops', alg: 'ES256' };
    const { keys } = parseJwks({ keys: [leaked] }, ALL);
    expect(keys.get('oops')?.key.type).toBe('public');
  });

  it('skips keys that do not fit their alg (small RSA, wrong curve)', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
    const { keys } = parseJwks(
      {
        keys: [
          { ...small.export({ format: 'jwk' }), kid: 'small', alg: 'RS256' },
          { ...p384.export({ format: 'jwk' }), kid: 'p384', alg: 'ES256' },
        ],
      },
      ALL,
    );
    expect(keys.size).toBe(0);
  });

  it('refuses documents that are not a key set', () => {
    for (const doc of [null, [], 'x', {}, { keys: {} }, { keys: Array(101).fill({}) }]) {
      expect(() => parseJwks(doc, ALL)).toThrow(
        expect.objectContaining({ code: 'ERR_JWKS_INVALID' }),
      );
    }
  });

  it('treats __proto__ and constructor as ordinary kids', () => {
    const { keys } = parseJwks(
      {
        keys: [
          { ...jwk('ES256', 'x'), kid: '__proto__' },
          { ...jwk('ES256', 'y'), kid: 'constructor' },
        ],
      },
      ALL,
    );
    expect([...keys.keys()]).toEqual(['__proto__', 'constructor']);
    expect(keys.get('toString')).toBeUndefined();
  });
});
