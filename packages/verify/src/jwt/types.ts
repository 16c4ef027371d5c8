/**
 * The shapes of a JWT's header and claims.
 *
 * @module
 */
import type { Algorithm } from '../lib/algorithms.js';

/**
 * A JWS protected header (RFC 7515 §4). Tokens this package signs carry exactly
 * `{ alg, typ, kid }`.
 *
 * @example
 * ```ts
 * const header: JwtHeader = { alg: 'ES256', typ: 'at+jwt', kid: '2024-01' };
 * ```
 */
export interface JwtHeader {
  alg: Algorithm;
  typ?: string;
  kid?: string;
  crit?: string[];
  [name: string]: unknown;
}

/**
 * A JWT claims set (RFC 7519 §4.1; RFC 9068 §2.2 for access tokens). Times are seconds since
 * the epoch.
 *
 * @example
 * ```ts
 * const claims: JwtClaims = { iss, sub: user.id, aud, exp: now + 900, iat: now, jti, scope };
 * ```
 */
export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [name: string]: unknown;
}
