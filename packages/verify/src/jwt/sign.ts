/**
 * Signing a JWT as a JWS Compact Serialization.
 *
 * @module
 */
import type { JwtKey } from '../keys.js';
import { signBytes } from '../lib/algorithms.js';
import type { JwtClaims } from './types.js';

/**
 * RFC 9068 §2.1: access tokens are typed, so they cannot be confused with ID tokens etc.
 *
 * @example
 * ```ts
 * signJwt(claims, key, { typ: ACCESS_TOKEN_TYP }); // the default
 * ```
 */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/**
 * Signs `claims` with `key` and returns the compact JWS `header.payload.signature`. The header is
 * `{ alg, typ, kid }` in that order, with `alg` and `kid` taken from the key and `typ` defaulting
 * to `'at+jwt'`. Throws `TypeError` if the key does not fit its algorithm (e.g. a public key, or
 * an HS256 secret under 32 bytes), if `claims` is not an object, or if `exp`, `nbf` or `iat` is
 * present but not a finite number.
 *
 * @example
 * ```ts
 * const now = Math.floor(Date.now() / 1000);
 * const token = signJwt({ iss, sub: user.id, aud, iat: now, exp: now + 900 }, activeKey);
 * ```
 */
export function signJwt(claims: JwtClaims, key: JwtKey, options?: { typ?: string }): string {
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new TypeError('claims must be an object');
  }
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    const value = claims[name];
    // JSON.stringify would turn NaN or Infinity into null: a token that never verifies.
    if (value !== undefined && !Number.isFinite(value)) {
      throw new TypeError(`claim ${name} must be a finite number`);
    }
  }
  const typ = options?.typ ?? ACCESS_TOKEN_TYP;
  if (typeof typ !== 'string' || typ === '') throw new TypeError('typ must be a non-empty string');
  if (typeof key?.kid !== 'string' || key.kid === '') {
    throw new TypeError('key.kid must be a non-empty string');
  }
  const header = Buffer.from(JSON.stringify({ alg: key.alg, typ, kid: key.kid })).toString(
    'base64url',
  );
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signingInput = `${header}.${payload}`;
  const signature = signBytes(key.alg, key.key, signingInput);
  return `${signingInput}.${signature.toString('base64url')}`;
}
