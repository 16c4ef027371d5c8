/**
 * `@tessera/verify`: signing and verifying Tessera's access tokens (compact JWS JWTs) on
 * `node:crypto`, synchronously, with keys bound to one algorithm each; and `createVerifier`, which
 * verifies an issuer's tokens against its published JWKS. Framework adapters live in the
 * `@tessera/verify/express`, `@tessera/verify/fastify` and `@tessera/verify/web` subpaths.
 *
 * @module
 */
export {
  AlgorithmNotAllowed,
  isJoseError,
  JoseError,
  JwksInvalid,
  JwksUnavailable,
  JwsSignatureInvalid,
  JwtClaimInvalid,
  JwtExpired,
  JwtInvalid,
  KeyNotFound,
  NotSupported,
  TokenTooLarge,
} from './errors.js';
export {
  type AuthFailure,
  bearerToken,
  INVALID_TOKEN,
  insufficientScope,
  MISSING_TOKEN,
} from './http/challenge.js';
export { type SubjectCheckOptions, scopesOf, type TokenCheck } from './http/checks.js';
export { decodeJwt } from './jwt/decode.js';
export { signJwt } from './jwt/sign.js';
export type { JwtClaims, JwtHeader } from './jwt/types.js';
export { type KeyLookup, type VerifiedJwt, type VerifyOptions, verifyJwt } from './jwt/verify.js';
export { importJwk, type JwtKey, publicJwk } from './keys.js';
export { ALGORITHMS, type Algorithm } from './lib/algorithms.js';
export type { FetchLike } from './remote/fetch-json.js';
export { parseJwks } from './remote/jwks.js';
export {
  type AccessTokenClaims,
  createVerifier,
  type Verifier,
  type VerifierOptions,
} from './verifier.js';
