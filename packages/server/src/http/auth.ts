import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../context.js';
import { InsufficientScope, InvalidToken } from '../errors.js';
import { type AccessClaims, verifyAccessToken } from '../tokens/access.js';

/** Who a request acts for, once its bearer token has been verified. */
export interface Auth {
  sub: string;
  sid: string | undefined;
  clientId: string | undefined;
  scopes: ReadonlySet<string>;
  claims: AccessClaims;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: Auth | null;
  }
}

// RFC 6750 §2.1: `Bearer` then one token68. Case-insensitive scheme, nothing else after.
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * A preHandler that requires a valid access token in `Authorization: Bearer`
 * (never from a query string or body: those end up in logs and histories).
 * For user tokens the session must still be active: Tessera's own API honours
 * a logout at once, while resource servers rely on the short token lifetime.
 */
export function requireAuth(ctx: Context, scope?: string) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    if (!match) throw new InvalidToken();
    const claims = await verifyAccessToken(ctx, match[1]!);
    const sid = typeof claims.sid === 'string' ? claims.sid : undefined;
    if (sid !== undefined) {
      const session = await ctx.store.sessions.active(sid, ctx.now());
      if (!session || session.user_id !== claims.sub)
        throw new InvalidToken(new Error('session ended'));
    } else if (typeof claims.client_id !== 'string') {
      // A user token always names its session; one without is not ours.
      throw new InvalidToken(new Error('no session'));
    }
    const scopes = new Set(claims.scope.split(' ').filter(Boolean));
    if (scope !== undefined && !scopes.has(scope)) throw new InsufficientScope(scope);
    request.auth = {
      sub: claims.sub,
      sid,
      clientId: typeof claims.client_id === 'string' ? claims.client_id : undefined,
      scopes,
      claims,
    };
  };
}

/** The verified caller; only valid after `requireAuth` ran. */
export function authOf(request: FastifyRequest): Auth {
  if (!request.auth) throw new TypeError('route is missing requireAuth');
  return request.auth;
}
