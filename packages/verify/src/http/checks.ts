/**
 * Authorization checks on a verified token, shared by every adapter: scopes and subject.
 *
 * @module
 */
import type { VerifiedJwt } from '../jwt/verify.js';
import type { AccessTokenClaims } from '../verifier.js';
import { type AuthFailure, FORBIDDEN_SUBJECT, insufficientScope } from './challenge.js';

/**
 * A check on a verified token and the route's parameters: `undefined` to allow, else the refusal.
 *
 * @example
 * ```ts
 * const check: TokenCheck = scopeCheck(['notes:read']);
 * check(token, {}); // undefined or a 403 AuthFailure
 * ```
 */
export type TokenCheck = (
  token: VerifiedJwt<AccessTokenClaims>,
  params: Readonly<Record<string, unknown>> | undefined,
) => AuthFailure | undefined;

/** RFC 6749 §3.3 scope-token: printable ASCII without space, `"` and `\` (safe in a challenge). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * The scopes of a token (`scope`, space-separated, RFC 9068 §2.2.3).
 *
 * @example
 * ```ts
 * scopesOf(token.payload).has('admin');
 * ```
 */
export function scopesOf(claims: AccessTokenClaims): ReadonlySet<string> {
  return new Set(typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : []);
}

/**
 * Every scope in `scopes` must be granted; otherwise 403 `insufficient_scope` naming them.
 * Throws `TypeError` at setup for a scope that is not a valid scope-token.
 *
 * @example
 * ```ts
 * scopeCheck(['notes:read', 'notes:write']);
 * ```
 */
export function scopeCheck(scopes: readonly string[]): TokenCheck {
  if (scopes.length === 0) throw new TypeError('requireScope needs at least one scope');
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      throw new TypeError(
        'a scope must be a non-empty string without spaces, quotes or backslashes',
      );
    }
  }
  const refusal = insufficientScope(scopes);
  return (token) => {
    const granted = scopesOf(token.payload);
    return scopes.every((scope) => granted.has(scope)) ? undefined : refusal;
  };
}

/**
 * Options of the subject check.
 *
 * @example
 * ```ts
 * const options: SubjectCheckOptions = { unlessScope: 'admin' };
 * ```
 */
export interface SubjectCheckOptions {
  /** A scope that may act for any subject (e.g. `admin`). */
  unlessScope?: string;
}

/**
 * The token's `sub` must equal the route parameter `param` (compared exactly, as strings);
 * otherwise 403 `forbidden`. A missing parameter is refused too: a route without it is misrouted.
 *
 * @example
 * ```ts
 * subjectCheck('id')(token, { id: token.payload.sub }); // undefined
 * ```
 */
export function subjectCheck(param: string, options: SubjectCheckOptions = {}): TokenCheck {
  if (typeof param !== 'string' || param === '') {
    throw new TypeError('requireSubject needs a route parameter name');
  }
  const { unlessScope } = options;
  if (unlessScope !== undefined && !SCOPE_TOKEN.test(unlessScope)) {
    throw new TypeError('unlessScope must be a scope-token');
  }
  return (token, params) => {
    const value = params !== undefined && Object.hasOwn(params, param) ? params[param] : undefined;
    if (typeof value === 'string' && value !== '' && value === token.payload.sub) return undefined;
    if (unlessScope !== undefined && scopesOf(token.payload).has(unlessScope)) return undefined;
    return FORBIDDEN_SUBJECT;
  };
}
