import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { Context } from '../context.js';
import { InsufficientScope, TesseraError } from '../errors.js';
import { authOf, requireAuth } from '../http/auth.js';
import { ErrorBody } from '../http/schemas.js';
import {
  BatchBody,
  BatchResponse,
  DetokenizeBody,
  DetokenizeError,
  DetokenizeResponse,
  ListQuery,
  ListResponse,
  TokenizeBody,
  TokenParams,
  VaultRecordSchema,
} from './schemas.js';
import { type Caller, isItemError, type TokenizeInput } from './service.js';

/** A 64 KiB `text` value may be escaped up to six times over in JSON. */
const SINGLE_BODY_LIMIT = 512 * 1024;
/** Up to 1000 items; most are short, a batch of large `text` values must be split. */
const BATCH_BODY_LIMIT = 16 * 1024 * 1024;
const DETOKENIZE_BODY_LIMIT = 1024 * 1024;

const checkItem = Compile(TokenizeBody);

/** The token vault's routes (SPEC §2.3), and the periodic purge of expired tokens. */
export const vaultRoutes: FastifyPluginAsyncTypebox<{ ctx: Context }> = async (app, { ctx }) => {
  const auth = requireAuth(ctx);
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 410: ErrorBody };

  // Users act on their own tokens with scope `vault`; service clients per `vault:*` scopes.
  const vaultCaller = async (request: FastifyRequest) => {
    const a = authOf(request);
    if (a.clientId === undefined && !a.scopes.has('vault')) throw new InsufficientScope('vault');
  };
  const tokenizer = async (request: FastifyRequest) => {
    const a = authOf(request);
    if (a.clientId !== undefined && !a.scopes.has('vault:tokenize')) {
      throw new InsufficientScope('vault:tokenize');
    }
  };
  const caller = (request: FastifyRequest): Caller => {
    const a = authOf(request);
    return { sub: a.sub, scopes: a.scopes };
  };

  /** Counts outcomes for /metrics: how many values, never which. */
  const count = (op: 'tokenize' | 'detokenize', results: ReadonlyArray<object>) => {
    const failed = results.filter((r) => 'error' in r).length;
    if (results.length > failed)
      ctx.metrics.vaultValues.inc({ op, result: 'ok' }, results.length - failed);
    if (failed > 0) ctx.metrics.vaultValues.inc({ op, result: 'error' }, failed);
  };

  app.post(
    '/v1/vault/tokens',
    {
      bodyLimit: SINGLE_BODY_LIMIT,
      preHandler: [auth, vaultCaller, tokenizer],
      schema: { body: TokenizeBody, response: { 201: VaultRecordSchema, ...errors } },
    },
    async (request, reply) => {
      const [result] = await ctx.vault.tokenize(authOf(request).sub, [request.body]);
      count('tokenize', result ? [result] : []);
      if (!result || isItemError(result)) throw toError(result);
      return reply.code(201).send(result);
    },
  );

  app.post(
    '/v1/vault/tokens/batch',
    {
      bodyLimit: BATCH_BODY_LIMIT,
      preHandler: [auth, vaultCaller, tokenizer],
      schema: { body: BatchBody, response: { 200: BatchResponse, ...errors } },
    },
    async (request) => {
      const items = request.body.items;
      const valid: TokenizeInput[] = [];
      const positions: number[] = [];
      const results: Array<Record<string, unknown>> = new Array(items.length);
      items.forEach((item, i) => {
        if (checkItem.Check(item)) {
          valid.push(item as Static<typeof TokenizeBody>);
          positions.push(i);
        } else {
          results[i] = {
            error: 'invalid_request',
            error_description: describeItem(i, [...checkItem.Errors(item)]),
          };
        }
      });
      const done = await ctx.vault.tokenize(
        authOf(request).sub,
        valid,
        (j) => `items.${positions[j]}.value`,
      );
      count('tokenize', done);
      ctx.metrics.vaultValues.inc({ op: 'tokenize', result: 'error' }, items.length - valid.length);
      done.forEach((r, j) => {
        results[positions[j]!] = r as unknown as Record<string, unknown>;
      });
      return { results };
    },
  );

  app.get(
    '/v1/vault/tokens',
    {
      preHandler: [auth, vaultCaller],
      schema: { querystring: ListQuery, response: { 200: ListResponse, ...errors } },
    },
    async (request) =>
      ctx.vault.list(caller(request), {
        type: request.query.type,
        limit: request.query.limit === undefined ? undefined : Number(request.query.limit),
        cursor: request.query.cursor,
      }),
  );

  app.get(
    '/v1/vault/tokens/:token',
    {
      preHandler: [auth, vaultCaller],
      schema: { params: TokenParams, response: { 200: VaultRecordSchema, ...errors } },
    },
    async (request) => ctx.vault.get(caller(request), request.params.token),
  );

  app.delete(
    '/v1/vault/tokens/:token',
    {
      preHandler: [auth, vaultCaller],
      schema: { params: TokenParams, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      await ctx.vault.delete(caller(request), request.params.token);
      ctx.metrics.vaultValues.inc({ op: 'delete', result: 'ok' });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/vault/detokenize',
    {
      bodyLimit: DETOKENIZE_BODY_LIMIT,
      preHandler: [auth, vaultCaller],
      schema: {
        body: DetokenizeBody,
        response: {
          200: DetokenizeResponse,
          ...errors,
          404: DetokenizeError,
          410: DetokenizeError,
        },
      },
    },
    async (request, reply) => {
      const results = await ctx.vault.detokenize(
        caller(request),
        request.body.tokens,
        request.body.reason,
      );
      count('detokenize', results);
      // One token asked for and refused: answer with its status (410 token_expired, 404),
      // the error body, and the per-item results as for any other call.
      const only = results.length === 1 ? results[0] : undefined;
      if (only && 'error' in only) {
        const status = only.error === 'token_expired' ? 410 : 404;
        return reply
          .code(status)
          .send({ error: only.error, error_description: only.error_description, results });
      }
      return { results };
    },
  );
};

function toError(result: { error: string; error_description: string } | undefined): TesseraError {
  if (!result) return new TesseraError('server_error', 'Something went wrong on our side.');
  return new TesseraError(
    result.error as ConstructorParameters<typeof TesseraError>[0],
    result.error_description,
  );
}

/** Names the field of the first problem, never the value (as `http/errors.ts` does). */
function describeItem(
  index: number,
  issues: Array<{ keyword: string; instancePath: string; message: string; params: unknown }>,
): string {
  const prefix = `items.${index}`;
  const extra = issues.find((i) => i.keyword === 'additionalProperties');
  if (extra) {
    const names = (extra.params as { additionalProperties?: unknown }).additionalProperties;
    const first = Array.isArray(names) ? names[0] : names;
    return `${prefix}: unknown field "${String(first).slice(0, 64)}".`;
  }
  const issue = issues.find((i) => i.keyword !== 'boolean') ?? issues[0];
  if (!issue) return `${prefix}: is invalid.`;
  const required = (issue.params as { requiredProperties?: unknown }).requiredProperties;
  const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (issue.keyword === 'required' && Array.isArray(required)) {
    return `${[prefix, path, String(required[0])].filter(Boolean).join('.')} is required.`;
  }
  return `${[prefix, path].filter(Boolean).join('.')}: ${issue.message}.`;
}
