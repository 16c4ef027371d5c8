/**
 * `createVerifier`: verifies an issuer's access tokens against its published JWKS.
 *
 * @module
 */
import { JwksUnavailable, KeyNotFound } from './errors.js';
import type { JwtClaims } from './jwt/types.js';
import { type VerifiedJwt, type VerifyOptions, verifyJwt } from './jwt/verify.js';
import { type Algorithm, isAlgorithm } from './lib/algorithms.js';
import type { FetchLike } from './remote/fetch-json.js';
import { isHttpUrl, RemoteKeySet } from './remote/key-set.js';
import { TokenCache } from './remote/token-cache.js';

/**
 * Claims of a Tessera access token (SPEC §2.2, RFC 9068): `client_id` only on service tokens.
 *
 * @example
 * ```ts
 * const { payload }: VerifiedJwt<AccessTokenClaims> = await verifier.verify(token);
 * payload.scope.split(' ');
 * ```
 */
export interface AccessTokenClaims extends JwtClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  scope?: string;
  sid?: string;
  client_id?: string;
}

/**
 * Options of {@link createVerifier}.
 *
 * @example
 * ```ts
 * const options: VerifierOptions = { issuer: 'https://auth.example', audience: 'https://api.example' };
 * ```
 */
export interface VerifierOptions {
  /** The issuer, exactly as in `iss` and the discovery document. */
  issuer: string;
  /** Accepted `aud` values; the token's `aud` must contain one. */
  audience: string | readonly string[];
  /** The JWKS URL; default: `jwks_uri` of `${issuer}/.well-known/openid-configuration`. */
  jwksUri?: string | URL;
  /** Accepted algorithms; default ES256, EdDSA, RS256, PS256. HS256 is never in a JWKS. */
  algorithms?: readonly Algorithm[];
  /** Leeway for `exp`, `nbf`, `iat`, seconds, 0–60; default 5. */
  clockTolerance?: number;
  /** Expected header `typ`; default `at+jwt`. */
  typ?: string;
  /** Claims that must be present besides `iss`, `aud`, `exp`; default `sub`, `iat`, `jti`. */
  requiredClaims?: readonly string[];
  /** Verified-token cache: `false` to turn off; default on with 1000 entries. */
  cache?: boolean | { maxEntries?: number };
  /** `fetch` to use; default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** An unknown `kid` refetches the JWKS at most once per this many ms; default 30 000. */
  cooldownMs?: number;
  /** A key set older than this is refreshed in the background; default 600 000 (10 min). */
  cacheMaxAgeMs?: number;
  /** Timeout of each fetch (discovery, JWKS), ms; default 5000. */
  timeoutMs?: number;
  /** Largest accepted discovery or JWKS response, bytes; default 262 144. */
  maxResponseBytes?: number;
  /** Longest accepted token, characters; default 8192. */
  maxTokenLength?: number;
  /** Clock, ms since the epoch; for tests. Default `Date.now`. */
  now?: () => number;
}

/**
 * A verifier made by {@link createVerifier}.
 *
 * @example
 * ```ts
 * const { payload } = await verifier.verify(bearer);
 * ```
 */
export interface Verifier {
  /** The configured issuer. */
  readonly issuer: string;
  /**
   * Verifies `token`. Async only because the first call (and an unknown `kid`) may fetch keys;
   * the signature and claims are checked synchronously. Rejects with a `JoseError` subclass:
   * {@link JwksUnavailable}/`JwksInvalid` when keys could not be had, any other for a bad token.
   */
  verify<C extends AccessTokenClaims = AccessTokenClaims>(token: string): Promise<VerifiedJwt<C>>;
  /**
   * Verifies `token` synchronously with the keys already loaded (see {@link Verifier.ready}).
   * An unknown `kid` throws `KeyNotFound` and starts a refetch in the background (cooldown
   * permitting); before the first load it throws {@link JwksUnavailable}.
   */
  verifySync<C extends AccessTokenClaims = AccessTokenClaims>(token: string): VerifiedJwt<C>;
  /** Loads the key set now (e.g. at startup) instead of on the first token. */
  ready(): Promise<void>;
  /** Whether keys are loaded, so that `verifySync` can work. */
  readonly loaded: boolean;
  /** Fetch rounds started so far (discovery + JWKS count as one); for metrics and tests. */
  readonly fetches: number;
}

const DEFAULT_ALGORITHMS: readonly Algorithm[] = Object.freeze([
  'ES256',
  'EdDSA',
  'RS256',
  'PS256',
]);
const DEFAULT_REQUIRED_CLAIMS: readonly string[] = Object.freeze(['sub', 'iat', 'jti']);

/**
 * Makes a verifier for one issuer's access tokens. Keys come from the issuer's JWKS (found via
 * discovery unless `jwksUri` is given), are cached, and are refetched on an unknown `kid` at most
 * once per `cooldownMs`, so a flood of tokens with made-up `kid`s costs at most one fetch per
 * cooldown. Nothing a token says (`jku`, `x5u`, `jwk`) is ever fetched or trusted. Throws
 * `TypeError` for bad options; fetches nothing until the first `verify` or `ready`.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({
 *   issuer: 'https://auth.example.com',
 *   audience: 'https://api.example.com',
 * });
 * const { payload } = await verifier.verify(token);
 * console.log(payload.sub, payload.scope);
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const settings = checkVerifierOptions(options);
  const now = options.now ?? Date.now;
  const cache = settings.cacheSize > 0 ? new TokenCache(settings.cacheSize) : undefined;
  const keySet = new RemoteKeySet({
    issuer: options.issuer,
    jwksUri: options.jwksUri === undefined ? undefined : String(options.jwksUri),
    algorithms: settings.algorithms,
    fetch: options.fetch ?? ((url, init) => globalThis.fetch(url, init)),
    timeoutMs: options.timeoutMs ?? 5_000,
    maxResponseBytes: options.maxResponseBytes ?? 262_144,
    cooldownMs: options.cooldownMs ?? 30_000,
    maxAgeMs: options.cacheMaxAgeMs ?? 600_000,
    now,
    // A key that left the set must stop verifying at once, cached results included.
    onKeysRemoved: () => cache?.clear(),
  });
  const verifyOptions: VerifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    algorithms: settings.algorithms,
    clockTolerance: options.clockTolerance ?? 5,
    requiredClaims: options.requiredClaims ?? DEFAULT_REQUIRED_CLAIMS,
  };
  if (options.typ !== undefined) verifyOptions.typ = options.typ;
  if (options.maxTokenLength !== undefined) verifyOptions.maxTokenLength = options.maxTokenLength;
  const customClock = options.now !== undefined;

  function check(token: string): VerifiedJwt {
    const result = verifyJwt(
      token,
      keySet.lookup,
      customClock ? { ...verifyOptions, currentTime: now() / 1000 } : verifyOptions,
    );
    // Results may be served again from the cache to other requests: nobody may change them.
    Object.freeze(result);
    deepFreeze(result.payload);
    if (cache !== undefined) cache.set(token, result, result.payload.exp as number);
    return result;
  }

  function cached(token: string): VerifiedJwt | undefined {
    return typeof token === 'string' ? cache?.get(token, now() / 1000) : undefined;
  }

  return {
    issuer: options.issuer,
    get loaded() {
      return keySet.loaded;
    },
    get fetches() {
      return keySet.fetches;
    },
    ready: () => keySet.load(),
    async verify<C extends AccessTokenClaims>(token: string): Promise<VerifiedJwt<C>> {
      // Before the cache: a refresh is what notices a removed key and clears cached results.
      keySet.refreshIfStale();
      const hit = cached(token);
      if (hit !== undefined) return hit as VerifiedJwt<C>;
      if (!keySet.loaded) await keySet.load();
      try {
        return check(token) as VerifiedJwt<C>;
      } catch (error) {
        // Only a well-formed token with an acceptable header reaches KeyNotFound: garbage never
        // causes a fetch, and the cooldown bounds what made-up kids can cause.
        if (!(error instanceof KeyNotFound)) throw error;
        if (!(await keySet.refreshForUnknownKid())) throw error;
        return check(token) as VerifiedJwt<C>;
      }
    },
    verifySync<C extends AccessTokenClaims>(token: string): VerifiedJwt<C> {
      keySet.refreshIfStale();
      const hit = cached(token);
      if (hit !== undefined) return hit as VerifiedJwt<C>;
      if (!keySet.loaded) throw new JwksUnavailable('the key set is not loaded yet');
      try {
        return check(token) as VerifiedJwt<C>;
      } catch (error) {
        if (error instanceof KeyNotFound) keySet.refreshForUnknownKid().catch(() => {});
        throw error;
      }
    },
  };
}

function deepFreeze(value: unknown): void {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
}

function isNonEmpty(value: unknown): boolean {
  return typeof value === 'string' && value !== '';
}

function checkVerifierOptions(options: VerifierOptions): {
  algorithms: readonly Algorithm[];
  cacheSize: number;
} {
  if (typeof options !== 'object' || options === null) throw new TypeError('options are required');
  const { issuer, jwksUri, algorithms, cache } = options;
  if (typeof issuer !== 'string' || !isHttpUrl(issuer)) {
    throw new TypeError('issuer must be an http(s) URL');
  }
  if (jwksUri !== undefined && !isHttpUrl(String(jwksUri))) {
    throw new TypeError('jwksUri must be an http(s) URL');
  }
  const { audience } = options;
  const audiences = typeof audience === 'string' ? [audience] : audience;
  if (!Array.isArray(audiences) || audiences.length === 0 || !audiences.every(isNonEmpty)) {
    throw new TypeError('audience must be a non-empty string or a list of them');
  }
  const algs = algorithms ?? DEFAULT_ALGORITHMS;
  if (!Array.isArray(algs) || algs.length === 0 || !algs.every(isAlgorithm)) {
    throw new TypeError('algorithms must be a non-empty list of supported algorithms');
  }
  if (algs.includes('HS256')) {
    throw new TypeError('HS256 keys are never published in a JWKS; use verifyJwt with the secret');
  }
  for (const name of ['cooldownMs', 'cacheMaxAgeMs', 'timeoutMs', 'maxResponseBytes'] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new TypeError(`${name} must be a non-negative integer`);
    }
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new TypeError('fetch must be a function');
  }
  let cacheSize = 1000;
  if (cache === false) cacheSize = 0;
  else if (typeof cache === 'object' && cache !== null && cache.maxEntries !== undefined) {
    if (!(Number.isSafeInteger(cache.maxEntries) && cache.maxEntries >= 0)) {
      throw new TypeError('cache.maxEntries must be a non-negative integer');
    }
    cacheSize = cache.maxEntries;
  } else if (cache !== undefined && cache !== true && typeof cache !== 'object') {
    throw new TypeError('cache must be a boolean or { maxEntries }');
  }
  return { algorithms: algs, cacheSize };
}
