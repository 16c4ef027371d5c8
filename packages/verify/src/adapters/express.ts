/**
 * Express (4 and 5) middleware, written against Node's `http` types so that Express is not a
 * dependency of this package.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AuthFailure,
  type AuthOutcome,
  authenticateHeader,
  authenticateHeaderSync,
} from '../http/challenge.js';
import {
  type SubjectCheckOptions,
  scopeCheck,
  subjectCheck,
  type TokenCheck,
} from '../http/checks.js';
import type { VerifiedJwt } from '../jwt/verify.js';
import type { AccessTokenClaims } from '../verifier.js';
import { resolveVerifier, type VerifierSource } from './resolve.js';

declare global {
  namespace Express {
    interface Request {
      /** The verified access token; set by `authenticate()`. */
      tessera?: VerifiedJwt<AccessTokenClaims>;
    }
  }
}

/**
 * What the middleware reads of a request: Node's, plus Express's `params` and our `tessera`.
 *
 * @example
 * ```ts
 * const sub = (req as ExpressLikeRequest).tessera?.payload.sub;
 * ```
 */
export interface ExpressLikeRequest extends IncomingMessage {
  params?: Record<string, string>;
  tessera?: VerifiedJwt<AccessTokenClaims>;
}

/**
 * An Express middleware.
 *
 * @example
 * ```ts
 * const mw: ExpressMiddleware = requireScope('notes:read');
 * ```
 */
export type ExpressMiddleware = (
  req: ExpressLikeRequest,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

function send(res: ServerResponse, failure: AuthFailure): void {
  res.statusCode = failure.status;
  for (const [name, value] of Object.entries(failure.headers)) res.setHeader(name, value);
  res.end(JSON.stringify(failure.body));
}

/**
 * Requires a valid `Authorization: Bearer` access token; puts it on `req.tessera`. Refusals are
 * answered here (401 `invalid_token` with `WWW-Authenticate`, 503 when the issuer's keys cannot
 * be fetched); misconfiguration goes to `next(error)`. The token never appears in a response or
 * an error.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { authenticate, requireScope, requireSubject } from '@tessera/verify/express';
 *
 * const app = express();
 * app.use('/api', authenticate({ issuer: process.env.TESSERA_ISSUER, audience: 'https://api.example' }));
 * app.get('/api/users/:id/notes', requireSubject('id'), (req, res) => res.json([]));
 * ```
 */
export function authenticate(source: VerifierSource): ExpressMiddleware {
  const verifier = resolveVerifier(source);
  return (req, res, next) => {
    const finish = (outcome: AuthOutcome): void => {
      if (outcome.ok) {
        req.tessera = outcome.token;
        next();
      } else {
        send(res, outcome.failure);
      }
    };
    const header = req.headers.authorization;
    let outcome: AuthOutcome | undefined;
    try {
      outcome = authenticateHeaderSync(verifier, header);
    } catch (error) {
      next(error);
      return;
    }
    if (outcome !== undefined) finish(outcome);
    else authenticateHeader(verifier, header).then(finish, next);
  };
}

function guard(check: TokenCheck, name: string): ExpressMiddleware {
  return (req, res, next) => {
    if (req.tessera === undefined) {
      next(new TypeError(`${name} must come after authenticate()`));
      return;
    }
    const failure = check(req.tessera, req.params);
    if (failure === undefined) next();
    else send(res, failure);
  };
}

/**
 * Requires every one of `scopes`; else 403 `insufficient_scope` with
 * `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"`. Use after `authenticate()`.
 *
 * @example
 * ```ts
 * app.post('/api/notes', requireScope('notes:write'), createNote);
 * ```
 */
export function requireScope(...scopes: string[]): ExpressMiddleware {
  return guard(scopeCheck(scopes), 'requireScope');
}

/**
 * Requires the token's `sub` to equal route parameter `param` (or the token to have
 * `unlessScope`); else 403 `forbidden`. Use after `authenticate()`, on a route with `:param`.
 *
 * @example
 * ```ts
 * app.get('/api/users/:id/notes', requireSubject('id'), listNotes);
 * ```
 */
export function requireSubject(param: string, options?: SubjectCheckOptions): ExpressMiddleware {
  return guard(subjectCheck(param, options), 'requireSubject');
}

export { scopesOf } from '../http/checks.js';
