import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Context } from '../context.js';
import { Forbidden } from '../errors.js';
import { authOf, requireAuth } from '../http/auth.js';
import { ErrorBody } from '../http/schemas.js';
import { assertCookieRequestAllowed } from '../sessions/cookie.js';
import { tokenResponse } from '../sessions/respond.js';
import {
  ChangePasswordBody,
  LoginBody,
  RegisterBody,
  TokenResponse,
  UpdateMeBody,
  User,
  UserIdParams,
} from './schemas.js';
import { changePassword, getUser, login, register, toUser, updateUser } from './service.js';

/** Accounts: register, login, the caller's profile, and the subject-checked user read. */
export const accountsRoutes: FastifyPluginAsyncTypebox<{ ctx: Context }> = async (app, { ctx }) => {
  const auth = requireAuth(ctx);
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

  app.post(
    '/v1/auth/register',
    { schema: { body: RegisterBody, response: { 201: User, 409: ErrorBody, ...errors } } },
    async (request, reply) => reply.code(201).send(toUser(await register(ctx, request.body))),
  );

  app.post(
    '/v1/auth/login',
    { schema: { body: LoginBody, response: { 200: TokenResponse, 429: ErrorBody, ...errors } } },
    async (request, reply) => {
      const transport = request.body.transport ?? 'body';
      // Asking for a cookie is a browser flow: the same Origin rules as using one.
      if (transport === 'cookie') assertCookieRequestAllowed(ctx.config, request);
      const tokens = await login(ctx, request.body, {
        userAgent: request.headers['user-agent'] ?? null,
        ip: request.ip,
      });
      return tokenResponse(reply, ctx.config, tokens, transport);
    },
  );

  app.post(
    '/v1/me/password',
    {
      preHandler: auth,
      schema: {
        body: ChangePasswordBody,
        response: { 204: Type.Null(), 429: ErrorBody, ...errors },
      },
    },
    async (request, reply) => {
      const caller = authOf(request);
      await changePassword(ctx, caller.sub, caller.sid, request.body, request.ip);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/me',
    { preHandler: auth, schema: { response: { 200: User, ...errors } } },
    async (request) => toUser(await getUser(ctx, authOf(request).sub)),
  );

  app.patch(
    '/v1/me',
    { preHandler: auth, schema: { body: UpdateMeBody, response: { 200: User, ...errors } } },
    async (request) => toUser(await updateUser(ctx, authOf(request).sub, request.body)),
  );

  app.get(
    '/v1/users/:id',
    { preHandler: auth, schema: { params: UserIdParams, response: { 200: User, ...errors } } },
    async (request) => {
      const caller = authOf(request);
      // The subject check: a token for user X reads user X only (admins excepted).
      if (request.params.id !== caller.sub && !caller.scopes.has('admin')) {
        throw new Forbidden("You may not read another user's data.");
      }
      return toUser(await getUser(ctx, request.params.id));
    },
  );
};
