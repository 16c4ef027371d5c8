/**
 * `@tessera/verify`: signing and verifying Tessera's access tokens (compact JWS JWTs) on
 * `node:crypto`, synchronously, with keys bound to one algorithm each.
 *
 * @module
 */
export {
  AlgorithmNotAllowed,
  isJoseError,
  JoseError,
  JwsSignatureInvalid,
  JwtClaimInvalid,
  JwtExpired,
  JwtInvalid,
  KeyNotFound,
  NotSupported,
  TokenTooLarge,
} from './errors.js';
export { decodeJwt } from './jwt/decode.js';
export { signJwt } from './jwt/sign.js';
export type { JwtClaims, JwtHeader } from './jwt/types.js';
export { type KeyLookup, type VerifiedJwt, type VerifyOptions, verifyJwt } from './jwt/verify.js';
export { importJwk, type JwtKey, publicJwk } from './keys.js';
export { ALGORITHMS, type Algorithm } from './lib/algorithms.js';
