/**
 * The one place where authentication outcomes become HTTP: RFC 6750 bearer-token extraction,
 * OAuth-style error bodies, and `WWW-Authenticate` challenges. Framework adapters only copy
 * the {@link AuthFailure} onto their response object.
 *
 * @module
 */
import { isJoseError, JwksInvalid, JwksUnavailable, KeyNotFound } from '../errors.js';
import type { VerifiedJwt } from '../jwt/verify.js';
import type { AccessTokenClaims, Verifier } from '../verifier.js';

/**
 * A refusal, ready to send: status, `{ error, error_description }` and headers.
 *
 * @example
 * ```ts
 * res.writeHead(failure.status, failure.headers).end(JSON.stringify(failure.body));
 * ```
 */
export interface AuthFailure {
  readonly status: 401 | 403 | 503;
  readonly body: { readonly error: string; readonly error_description: string };
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The outcome of authenticating a request.
 *
 * @example
 * ```ts
 * const outcome = await authenticateHeader(verifier, req.headers.authorization);
 * if (!outcome.ok) return send(outcome.failure);
 * ```
 */
export type AuthOutcome =
  | { readonly ok: true; readonly token: VerifiedJwt<AccessTokenClaims> }
  | { readonly ok: false; readonly failure: AuthFailure };

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
};

/**
 * RFC 6750 §3.1: no credentials (or another scheme) → a bare challenge, no error code.
 *
 * @example
 * ```ts
 * send(MISSING_TOKEN); // 401, WWW-Authenticate: Bearer
 * ```
 */
export const MISSING_TOKEN: AuthFailure = Object.freeze({
  status: 401,
  body: Object.freeze({
    error: 'invalid_token',
    error_description: 'an access token is required (Authorization: Bearer …)',
  }),
  headers: Object.freeze({ ...JSON_HEADERS, 'www-authenticate': 'Bearer' }),
});

/**
 * Every refusal of a token, whatever the reason, gets this same answer (SPEC §2.2): telling an
 * attacker which check failed helps nobody else.
 *
 * @example
 * ```ts
 * send(INVALID_TOKEN); // 401, WWW-Authenticate: Bearer error="invalid_token"
 * ```
 */
export const INVALID_TOKEN: AuthFailure = Object.freeze({
  status: 401,
  body: Object.freeze({
    error: 'invalid_token',
    error_description: 'the access token is invalid or expired',
  }),
  headers: Object.freeze({ ...JSON_HEADERS, 'www-authenticate': 'Bearer error="invalid_token"' }),
});

/**
 * The issuer's keys could not be fetched: not the client's fault, so not a 401 (which would send
 * it to log in again for nothing).
 *
 * @example
 * ```ts
 * send(KEYS_UNAVAILABLE); // 503, Retry-After: 5
 * ```
 */
export const KEYS_UNAVAILABLE: AuthFailure = Object.freeze({
  status: 503,
  body: Object.freeze({
    error: 'temporarily_unavailable',
    error_description: 'the token issuer cannot be reached; try again shortly',
  }),
  headers: Object.freeze({ ...JSON_HEADERS, 'retry-after': '5' }),
});

/**
 * RFC 6750 §3: 403 with the scopes the resource needs.
 *
 * @example
 * ```ts
 * insufficientScope(['notes:write']).headers['www-authenticate'];
 * // 'Bearer error="insufficient_scope", scope="notes:write"'
 * ```
 */
export function insufficientScope(scopes: readonly string[]): AuthFailure {
  return {
    status: 403,
    body: {
      error: 'insufficient_scope',
      error_description: `the access token needs scope ${scopes.join(' ')}`,
    },
    headers: {
      ...JSON_HEADERS,
      'www-authenticate': `Bearer error="insufficient_scope", scope="${scopes.join(' ')}"`,
    },
  };
}

/**
 * SPEC §2: another user's resource is 403 `forbidden`; it is not a token problem, so no challenge.
 *
 * @example
 * ```ts
 * send(FORBIDDEN_SUBJECT);
 * ```
 */
export const FORBIDDEN_SUBJECT: AuthFailure = Object.freeze({
  status: 403,
  body: Object.freeze({
    error: 'forbidden',
    error_description: 'the access token belongs to another subject',
  }),
  headers: Object.freeze({ ...JSON_HEADERS }),
});

/** RFC 6750 §2.1 b64token, after the `Bearer` scheme (case-insensitive) and one or more spaces. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const SCHEME = /^Bearer(?: |$)/i;

/**
 * The bearer token of an `Authorization` header: `undefined` when there is none (or another
 * scheme), `null` when the Bearer credentials are malformed. The query string and the body are
 * never read (RFC 6750 §2.3 and RFC 9700 advise against tokens in URLs: they end up in logs).
 *
 * @example
 * ```ts
 * bearerToken('Bearer abc.def.ghi'); // 'abc.def.ghi'
 * ```
 */
export function bearerToken(
  header: string | readonly string[] | null | undefined,
): string | null | undefined {
  if (header === undefined || header === null) return undefined;
  // Several Authorization headers: ambiguous, so refused (RFC 6750 §3.1 invalid_request).
  if (typeof header !== 'string') return header.length === 0 ? undefined : null;
  if (!SCHEME.test(header)) return undefined;
  const match = BEARER.exec(header);
  return match?.[1] ?? null;
}

/**
 * Verifies the bearer token of an `Authorization` header. A refused token resolves to
 * {@link INVALID_TOKEN}, unreachable keys to {@link KEYS_UNAVAILABLE}; anything else (a
 * `TypeError` from misconfiguration) rejects, for the framework's 500 handler.
 *
 * @example
 * ```ts
 * const outcome = await authenticateHeader(verifier, request.headers.get('authorization'));
 * ```
 */
export async function authenticateHeader(
  verifier: Verifier,
  header: string | readonly string[] | null | undefined,
): Promise<AuthOutcome> {
  const token = bearerToken(header);
  if (token === undefined) return { ok: false, failure: MISSING_TOKEN };
  if (token === null) return { ok: false, failure: INVALID_TOKEN };
  try {
    return { ok: true, token: await verifier.verify(token) };
  } catch (error) {
    return { ok: false, failure: failureOf(error) };
  }
}

/**
 * The synchronous fast path of {@link authenticateHeader}: the outcome when it can be decided
 * with the keys already loaded, `undefined` when keys must be fetched first (not loaded yet, or
 * an unknown `kid`). Saves the promise hops of the async path on nearly every request.
 *
 * @example
 * ```ts
 * const outcome = authenticateHeaderSync(verifier, header) ?? (await authenticateHeader(verifier, header));
 * ```
 */
export function authenticateHeaderSync(
  verifier: Verifier,
  header: string | readonly string[] | null | undefined,
): AuthOutcome | undefined {
  const token = bearerToken(header);
  if (token === undefined) return { ok: false, failure: MISSING_TOKEN };
  if (token === null) return { ok: false, failure: INVALID_TOKEN };
  if (!verifier.loaded) return undefined;
  try {
    return { ok: true, token: verifier.verifySync(token) };
  } catch (error) {
    if (error instanceof KeyNotFound) return undefined;
    return { ok: false, failure: failureOf(error) };
  }
}

/**
 * The answer for an error thrown by `verify`; rethrows what is not a token or key-set error.
 *
 * @example
 * ```ts
 * try { verifier.verifySync(token); } catch (error) { send(failureOf(error)); }
 * ```
 */
export function failureOf(error: unknown): AuthFailure {
  if (error instanceof JwksUnavailable || error instanceof JwksInvalid) return KEYS_UNAVAILABLE;
  if (isJoseError(error)) return INVALID_TOKEN;
  throw error;
}
