import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { TokenResponse } from '../accounts/schemas.js';
import type { Context } from '../context.js';
import { InvalidGrant, InvalidToken } from '../errors.js';
import { authOf, requireAuth } from '../http/auth.js';
import { ErrorBody } from '../http/schemas.js';
import { assertCookieRequestAllowed, clearRefreshCookie, refreshCookie } from './cookie.js';
import { tokenResponse } from './respond.js';
import { RefreshBody, SessionIdParams, SessionList } from './schemas.js';
import {
  endOtherSessions,
  endOwnSession,
  endSession,
  endSessionByRefreshToken,
  listSessions,
  refreshSession,
} from './service.js';

/** Refresh, logout and the caller's session list. */
export const sessionsRoutes: FastifyPluginAsyncTypebox<{ ctx: Context }> = async (app, { ctx }) => {
  const auth = requireAuth(ctx);
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 415: ErrorBody };
  const iso = (ms: number) => new Date(ms).toISOString();

  app.post(
    '/v1/auth/refresh',
    { schema: { body: RefreshBody, response: { 200: TokenResponse, ...errors } } },
    async (request, reply) => {
      const fromBody = request.body?.refresh_token;
      let presented = fromBody;
      if (presented === undefined) {
        presented = refreshCookie(request);
        if (presented === undefined) throw new InvalidGrant(new Error('no refresh token'));
        assertCookieRequestAllowed(ctx.config, request);
      }
      try {
        const tokens = await refreshSession(ctx, presented);
        ctx.metrics.refreshes.inc();
        return tokenResponse(reply, ctx.config, tokens, fromBody === undefined ? 'cookie' : 'body');
      } catch (err) {
        if (fromBody === undefined) clearRefreshCookie(reply, ctx.config);
        throw err;
      }
    },
  );

  app.post(
    '/v1/auth/logout',
    { schema: { response: { 204: Type.Null(), 401: ErrorBody, 403: ErrorBody, 415: ErrorBody } } },
    async (request, reply) => {
      if (request.headers.authorization !== undefined) {
        await auth(request, reply);
        const sid = authOf(request).sid;
        if (sid === undefined) throw new InvalidToken(new Error('service tokens have no session'));
        await endSession(ctx, sid);
      } else {
        const cookie = refreshCookie(request);
        if (cookie === undefined) throw new InvalidToken(new Error('no credentials'));
        assertCookieRequestAllowed(ctx.config, request);
        await endSessionByRefreshToken(ctx, cookie);
      }
      clearRefreshCookie(reply, ctx.config);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/sessions',
    { preHandler: auth, schema: { response: { 200: SessionList, ...errors } } },
    async (request) => {
      const caller = authOf(request);
      const sessions = await listSessions(ctx, caller.sub);
      return {
        sessions: sessions.map((s) => ({
          id: s.id,
          created_at: iso(s.created_at),
          last_used_at: iso(s.last_used_at),
          expires_at: iso(s.expires_at),
          user_agent: s.user_agent,
          ip: s.ip,
          current: s.id === caller.sid,
        })),
      };
    },
  );

  app.delete(
    '/v1/sessions/:id',
    {
      preHandler: auth,
      schema: { params: SessionIdParams, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      await endOwnSession(ctx, authOf(request).sub, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/v1/sessions',
    { preHandler: auth, schema: { response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      const caller = authOf(request);
      await endOtherSessions(ctx, caller.sub, caller.sid ?? null);
      return reply.code(204).send(null);
    },
  );
};
