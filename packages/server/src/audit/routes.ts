import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Context } from '../context.js';
import { InvalidRequest } from '../errors.js';
import { requireAuth } from '../http/auth.js';
import { ErrorBody } from '../http/schemas.js';

const AuditQuery = Type.Object(
  {
    action: Type.Optional(Type.String({ maxLength: 100 })),
    actor: Type.Optional(Type.String({ maxLength: 200 })),
    target: Type.Optional(Type.String({ maxLength: 512 })),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
    limit: Type.Optional(Type.String({ pattern: '^(1000|[1-9][0-9]{0,2})$' })),
    cursor: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,15}$' })),
  },
  { additionalProperties: false },
);

const AuditEntry = Type.Object({
  seq: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  action: Type.String(),
  actor: Type.Union([Type.String(), Type.Null()]),
  target: Type.Union([Type.String(), Type.Null()]),
  details: Type.Unknown(),
  prev_hash: Type.String(),
  hash: Type.String(),
});

const AuditPage = Type.Object({
  items: Type.Array(AuditEntry),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

/** `GET /v1/audit`: the audit log, newest first, for administrators. */
export const auditRoutes: FastifyPluginAsyncTypebox<{ ctx: Context }> = async (app, { ctx }) => {
  app.get(
    '/v1/audit',
    {
      preHandler: requireAuth(ctx, 'admin'),
      schema: {
        querystring: AuditQuery,
        response: { 200: AuditPage, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit === undefined ? 100 : Number(q.limit);
      const since = q.since === undefined ? undefined : Date.parse(q.since);
      const until = q.until === undefined ? undefined : Date.parse(q.until);
      if (Number.isNaN(since) || Number.isNaN(until))
        throw new InvalidRequest('since/until: must be ISO 8601 times.');
      const rows = await ctx.store.audit.list({
        action: q.action,
        actor: q.actor,
        target: q.target,
        since,
        until,
        before: q.cursor === undefined ? undefined : Number(q.cursor),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      return {
        items: page.map((r) => ({
          seq: r.seq,
          at: new Date(r.at).toISOString(),
          action: r.action,
          actor: r.actor,
          target: r.target,
          details: JSON.parse(r.details) as unknown,
          prev_hash: r.prev_hash,
          hash: r.hash,
        })),
        next_cursor: rows.length > limit ? String(page.at(-1)?.seq) : null,
      };
    },
  );
};
