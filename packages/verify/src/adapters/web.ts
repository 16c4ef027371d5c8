/**
 * Web-standard `Request`/`Response` (Hono, Next.js route handlers, Deno, Bun, Cloudflare-style
 * handlers on Node 20+).
 *
 * @module
 */
import { type AuthFailure, authenticateHeader, authenticateHeaderSync } from '../http/challenge.js';
import {
  type SubjectCheckOptions,
  scopeCheck,
  subjectCheck,
  type TokenCheck,
} from '../http/checks.js';
import type { VerifiedJwt } from '../jwt/verify.js';
import type { AccessTokenClaims } from '../verifier.js';
import { resolveVerifier, type VerifierSource } from './resolve.js';

/**
 * What a guard resolves to: the verified token, or the `Response` to return as is.
 *
 * @example
 * ```ts
 * const result: GuardResult = await guard(request);
 * if (!result.ok) return result.response;
 * ```
 */
export type GuardResult =
  | { readonly ok: true; readonly token: VerifiedJwt<AccessTokenClaims> }
  | { readonly ok: false; readonly response: Response };

/**
 * A guard made by {@link createGuard}: pass the request and, for `requireSubject`, the route
 * parameters.
 *
 * @example
 * ```ts
 * const result = await guard(request, { id: '42' });
 * ```
 */
export type Guard = (
  request: Request,
  params?: Readonly<Record<string, unknown>>,
) => Promise<GuardResult>;

/**
 * The `Response` for a refusal.
 *
 * @example
 * ```ts
 * return failureResponse(failure);
 * ```
 */
export function failureResponse(failure: AuthFailure): Response {
  return new Response(JSON.stringify(failure.body), {
    status: failure.status,
    headers: failure.headers,
  });
}

/**
 * Makes a guard that verifies the request's bearer token, then runs `checks` in order
 * ({@link requireScope}, {@link requireSubject}). Refusals come back as a ready `Response`.
 *
 * @example
 * ```ts
 * // Next.js app/api/users/[id]/notes/route.ts
 * import { createGuard, requireSubject } from '@tessera/verify/web';
 * const guard = createGuard({ issuer: process.env.TESSERA_ISSUER!, audience: 'https://api.example' },
 *   requireSubject('id'));
 * export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
 *   const auth = await guard(request, await params);
 *   if (!auth.ok) return auth.response;
 *   return Response.json({ notes: [], owner: auth.token.payload.sub });
 * }
 * ```
 */
export function createGuard(source: VerifierSource, ...checks: TokenCheck[]): Guard {
  const verifier = resolveVerifier(source);
  return async (request, params) => {
    const header = request.headers.get('authorization');
    const outcome =
      authenticateHeaderSync(verifier, header) ?? (await authenticateHeader(verifier, header));
    if (!outcome.ok) return { ok: false, response: failureResponse(outcome.failure) };
    for (const check of checks) {
      const failure = check(outcome.token, params);
      if (failure !== undefined) return { ok: false, response: failureResponse(failure) };
    }
    return { ok: true, token: outcome.token };
  };
}

/**
 * Check requiring every one of `scopes`; else 403 `insufficient_scope`.
 *
 * @example
 * ```ts
 * const guard = createGuard(verifier, requireScope('notes:write'));
 * ```
 */
export function requireScope(...scopes: string[]): TokenCheck {
  return scopeCheck(scopes);
}

/**
 * Check requiring the token's `sub` to equal `params[param]`; else 403 `forbidden`.
 *
 * @example
 * ```ts
 * const guard = createGuard(verifier, requireSubject('id', { unlessScope: 'admin' }));
 * ```
 */
export function requireSubject(param: string, options?: SubjectCheckOptions): TokenCheck {
  return subjectCheck(param, options);
}

export { scopesOf } from '../http/checks.js';
