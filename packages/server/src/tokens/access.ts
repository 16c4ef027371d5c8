import { randomUUID } from 'node:crypto';
import {
  type AccessTokenClaims,
  JwtClaimInvalid,
  KeyNotFound,
  signJwt,
  verifyJwt,
} from '@tessera/verify';
import type { Context } from '../context.js';
import { InvalidToken } from '../errors.js';

/** Claims of a Tessera access token (RFC 9068 profile); `scope` is always set on tokens we issue. */
export type AccessClaims = AccessTokenClaims & { scope: string };

export interface IssueParams {
  sub: string;
  scope: string;
  sid?: string;
  clientId?: string;
  audience?: string;
  /** Lifetime in seconds when shorter than TESSERA_ACCESS_TTL (a session about to end). */
  ttl?: number;
}

/** Signs an access token with the active key (sync: node:crypto, cached KeyObject). */
export function issueAccessToken(
  ctx: Context,
  params: IssueParams,
): { token: string; expiresIn: number } {
  const iat = Math.floor(ctx.now() / 1000);
  const ttl = Math.max(1, Math.min(ctx.config.accessTtl, params.ttl ?? ctx.config.accessTtl));
  const claims: AccessClaims = {
    iss: ctx.config.issuer,
    sub: params.sub,
    aud: params.audience ?? ctx.config.audience,
    exp: iat + ttl,
    iat,
    jti: randomUUID(),
    scope: params.scope,
  };
  if (params.sid !== undefined) claims.sid = params.sid;
  if (params.clientId !== undefined) claims.client_id = params.clientId;
  return { token: signJwt(claims, ctx.keys.signingKey), expiresIn: ttl };
}

/** Leeway for clock skew between Tessera processes (SPEC: at most 60 s). */
const CLOCK_TOLERANCE = 30;
/** An unknown kid re-reads the key table at most this often (a flood of random kids stays cheap). */
const UNKNOWN_KID_REFRESH_MS = 5_000;

/**
 * Verifies a bearer token for Tessera's own API. Any failure becomes the one
 * `InvalidToken` (same body whatever the reason); the reason stays in `cause`.
 */
export async function verifyAccessToken(ctx: Context, token: string): Promise<AccessClaims> {
  const options = {
    issuer: ctx.config.issuer,
    audience: ctx.config.audience,
    typ: 'at+jwt',
    clockTolerance: CLOCK_TOLERANCE,
    currentTime: Math.floor(ctx.now() / 1000),
    requiredClaims: ['sub', 'iat', 'jti', 'scope'],
  } as const;
  try {
    let claims: AccessClaims;
    try {
      claims = verifyJwt<AccessClaims>(token, ctx.keys.lookup, options).payload;
    } catch (err) {
      // Another process may have rotated in a key we have not loaded yet.
      if (!(err instanceof KeyNotFound) || ctx.now() - ctx.keys.loadedAt < UNKNOWN_KID_REFRESH_MS)
        throw err;
      await ctx.keys.refresh();
      claims = verifyJwt<AccessClaims>(token, ctx.keys.lookup, options).payload;
    }
    checkClaimTypes(claims);
    return claims;
  } catch (err) {
    throw new InvalidToken(err);
  }
}

/**
 * The verifier types the registered claims; these are ours. A signed token whose `scope` is an
 * array (or `sid`/`client_id` an object) must be a 401 like any other bad token, not reach
 * `scope.split()` and become a 500 (test/security/claims-lifecycle.test.ts, "regression").
 */
function checkClaimTypes(claims: AccessClaims): void {
  for (const name of ['scope', 'sid', 'client_id'] as const) {
    const value = claims[name];
    if (
      name === 'scope'
        ? typeof value !== 'string'
        : value !== undefined && typeof value !== 'string'
    ) {
      throw new JwtClaimInvalid(`claim ${name} is not a string`, name, 'invalid');
    }
  }
}
