/**
 * Keys: a `KeyObject` bound to exactly one algorithm, JWK import, and JWK publication.
 *
 * @module
 */
import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { type Algorithm, assertKeyFits, isAlgorithm } from './lib/algorithms.js';
import { decodeBase64url } from './lib/base64url.js';

/**
 * A key bound to one algorithm. For signing: private (or secret for HS256). For verifying:
 * public (or secret). The binding is the defence against algorithm confusion: the verifier
 * uses `alg` from here and only checks that the token's header says the same.
 *
 * @example
 * ```ts
 * const { privateKey } = generateKeyPairSync('ed25519');
 * const key: JwtKey = { kid: '2024-01', alg: 'EdDSA', key: privateKey };
 * ```
 */
export interface JwtKey {
  readonly kid: string;
  readonly alg: Algorithm;
  readonly key: KeyObject;
}

/** The JWK `kty` (and `crv`) each algorithm needs (RFC 7518 §6, RFC 8037 §2). */
const KEY_SHAPES: Readonly<Record<Algorithm, { kty: string; crv?: string }>> = {
  ES256: { kty: 'EC', crv: 'P-256' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  RS256: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  HS256: { kty: 'oct' },
};

/**
 * Imports a JWK with node:crypto's native JWK support, after checking that it fits `alg`:
 * RSA of at least 2048 bits for RS256/PS256, EC P-256 for ES256, OKP Ed25519 for EdDSA, `oct`
 * of at least 32 bytes for HS256. The result is private when the JWK has `d` (secret for `oct`),
 * public otherwise. Throws `TypeError` for anything else, including a JWK whose own `alg`, `use`
 * or `key_ops` disagree.
 *
 * @example
 * ```ts
 * const key = importJwk(JSON.parse(readFileSync('signing.jwk', 'utf8')), 'ES256');
 * const jwtKey: JwtKey = { kid: 'imported-1', alg: 'ES256', key };
 * ```
 */
export function importJwk(jwk: JsonWebKey, alg: Algorithm): KeyObject {
  if (!isAlgorithm(alg)) throw new TypeError('unsupported algorithm');
  if (typeof jwk !== 'object' || jwk === null) throw new TypeError('JWK must be an object');
  const shape = KEY_SHAPES[alg];
  if (jwk.kty !== shape.kty) throw new TypeError(`${alg} needs a JWK with kty ${shape.kty}`);
  if (shape.crv !== undefined && jwk.crv !== shape.crv) {
    throw new TypeError(`${alg} needs a JWK with crv ${shape.crv}`);
  }
  if (jwk.alg !== undefined && jwk.alg !== alg) throw new TypeError('JWK alg differs');
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new TypeError('JWK use is not sig');
  if (jwk.key_ops !== undefined) {
    const ops: unknown = jwk.key_ops;
    if (!Array.isArray(ops) || !ops.some((op) => op === 'sign' || op === 'verify')) {
      throw new TypeError('JWK key_ops allows neither sign nor verify');
    }
  }
  let key: KeyObject;
  if (shape.kty === 'oct') {
    if (typeof jwk.k !== 'string') throw new TypeError('oct JWK needs k');
    key = createSecretKey(decodeBase64url(jwk.k));
  } else {
    // Node takes the private key from d (and the CRT members for RSA), the public one otherwise.
    key =
      jwk.d === undefined
        ? createPublicKey({ key: jwk, format: 'jwk' })
        : createPrivateKey({ key: jwk, format: 'jwk' });
  }
  assertKeyFits(alg, key, key.type === 'private' ? 'sign' : 'verify');
  return key;
}

/**
 * The public JWK of `key` for the JWKS, with `kid`, `alg` and `use: 'sig'`. Only public members
 * are exported (a private key is reduced to its public half first). Throws `TypeError` for HS256
 * or any secret key: a symmetric key is never published.
 *
 * @example
 * ```ts
 * const jwks = { keys: signingKeys.filter((k) => k.alg !== 'HS256').map(publicJwk) };
 * ```
 */
export function publicJwk(key: JwtKey): JsonWebKey & { kid: string; alg: Algorithm; use: 'sig' } {
  if (key.alg === 'HS256' || key.key.type === 'secret') {
    throw new TypeError('a symmetric key is never published');
  }
  if (typeof key.kid !== 'string' || key.kid === '') throw new TypeError('kid must be a string');
  assertKeyFits(key.alg, key.key, 'verify');
  const publicKey = key.key.type === 'private' ? createPublicKey(key.key) : key.key;
  const jwk = publicKey.export({ format: 'jwk' });
  return { ...jwk, kid: key.kid, alg: key.alg, use: 'sig' };
}
