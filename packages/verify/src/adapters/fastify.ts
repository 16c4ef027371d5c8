/**
 * A Fastify (4 and 5) plugin. Fastify is only imported for types; the plugin is marked with the
 * symbols that `fastify-plugin` would set, so its decorators reach the parent scope without a
 * runtime dependency.
 *
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
import type { AccessTokenClaims, Verifier } from '../verifier.js';
import { resolveVerifier, type VerifierSource } from './resolve.js';

/**
 * A Fastify hook (`onRequest` or `preHandler`).
 *
 * @example
 * ```ts
 * const hook: TesseraHook = requireScope('notes:read');
 * ```
 */
export type TesseraHook = (
  this: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<FastifyReply | undefined>;

/**
 * The authentication hook, callback-style so that the common case (keys loaded, known `kid`)
 * completes without a promise.
 *
 * @example
 * ```ts
 * app.addHook('onRequest', app.tessera.authenticate);
 * ```
 */
export type TesseraAuthenticateHook = (
  this: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  done: (error?: Error) => void,
) => void;

/**
 * What the plugin decorates the instance with.
 *
 * @example
 * ```ts
 * app.get('/me', { onRequest: app.tessera.authenticate }, handler);
 * ```
 */
export interface TesseraDecorator {
  readonly verifier: Verifier;
  /** Hook: requires a valid bearer token and sets `request.tessera`. */
  readonly authenticate: TesseraAuthenticateHook;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access token, once `authenticate` ran; `null` before. */
    tessera: VerifiedJwt<AccessTokenClaims> | null;
  }
  interface FastifyInstance {
    tessera: TesseraDecorator;
  }
}

/**
 * Options of {@link tesseraPlugin}: a verifier, or the options to create one.
 *
 * @example
 * ```ts
 * await app.register(tesseraPlugin, { issuer, audience });
 * ```
 */
export type TesseraPluginOptions = VerifierSource | { verifier: Verifier };

function send(reply: FastifyReply, failure: AuthFailure): FastifyReply {
  return reply.code(failure.status).headers(failure.headers).send(failure.body);
}

/**
 * Registers `app.tessera` ({ verifier, authenticate }) and `request.tessera`. Not encapsulated
 * (like a `fastify-plugin` plugin): register it once at the root and use the hooks anywhere.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { requireScope, requireSubject, tesseraPlugin } from '@tessera/verify/fastify';
 *
 * const app = Fastify();
 * await app.register(tesseraPlugin, { issuer: process.env.TESSERA_ISSUER, audience: 'https://api.example' });
 * app.get('/users/:id/notes', { onRequest: [app.tessera.authenticate, requireSubject('id')] }, list);
 * ```
 */
export function tesseraPlugin(
  instance: FastifyInstance,
  options: TesseraPluginOptions,
  done: (error?: Error) => void,
): void {
  const given = (options as { verifier?: Verifier }).verifier;
  const verifier = resolveVerifier(given ?? (options as VerifierSource));
  const authenticate: TesseraAuthenticateHook = (request, reply, done) => {
    // Replying ends the hook chain; `done` must then not be called (Fastify's callback hooks).
    const finish = (outcome: AuthOutcome): void => {
      if (!outcome.ok) {
        send(reply, outcome.failure);
        return;
      }
      request.tessera = outcome.token;
      done();
    };
    const header = request.headers.authorization;
    let outcome: AuthOutcome | undefined;
    try {
      outcome = authenticateHeaderSync(verifier, header);
    } catch (error) {
      done(error as Error);
      return;
    }
    if (outcome !== undefined) finish(outcome);
    else authenticateHeader(verifier, header).then(finish, done);
  };
  instance.decorateRequest('tessera', null);
  instance.decorate('tessera', { verifier, authenticate });
  done();
}

// What fastify-plugin sets: no encapsulation, a readable name, and the supported Fastify versions.
Object.assign(tesseraPlugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@tessera/verify',
  [Symbol.for('plugin-meta')]: { name: '@tessera/verify', fastify: '4.x || 5.x' },
});

function hook(check: TokenCheck, name: string): TesseraHook {
  return async (request, reply) => {
    if (request.tessera === null || request.tessera === undefined) {
      throw new TypeError(`${name} must come after app.tessera.authenticate`);
    }
    const failure = check(request.tessera, request.params as Record<string, unknown> | undefined);
    return failure === undefined ? undefined : send(reply, failure);
  };
}

/**
 * Hook requiring every one of `scopes`; else 403 `insufficient_scope` with the RFC 6750 challenge.
 * Place it after `app.tessera.authenticate`.
 *
 * @example
 * ```ts
 * app.post('/notes', { onRequest: [app.tessera.authenticate, requireScope('notes:write')] }, h);
 * ```
 */
export function requireScope(...scopes: string[]): TesseraHook {
  return hook(scopeCheck(scopes), 'requireScope');
}

/**
 * Hook requiring the token's `sub` to equal route parameter `param` (or the token to have
 * `unlessScope`); else 403 `forbidden`. Place it after `app.tessera.authenticate`.
 *
 * @example
 * ```ts
 * app.get('/users/:id', { onRequest: [app.tessera.authenticate, requireSubject('id')] }, h);
 * ```
 */
export function requireSubject(param: string, options?: SubjectCheckOptions): TesseraHook {
  return hook(subjectCheck(param, options), 'requireSubject');
}

export { scopesOf } from '../http/checks.js';
export default tesseraPlugin;
