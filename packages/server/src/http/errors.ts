import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, TesseraError } from '../errors.js';
import { QueryFailed } from '../storage/errors.js';

/**
 * SQLSTATEs for text PostgreSQL cannot store: U+0000 in any string (`22021`), or in JSON
 * (`22P05`). SQLite stores it; on PostgreSQL a NUL in an email, a name, a token or a client id
 * was a 500 (test/security/regressions.test.ts). It is the client's input, so a 400.
 */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);

/**
 * The one place where errors become HTTP answers (SPEC §2): every response
 * body is `{error, error_description}`. Fastify's own errors (parsing, size,
 * media type, validation) are translated here too, and anything unexpected is
 * a 500 that carries no message, stack or value from the failure.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | TesseraError | Error, request, reply) => {
    const mapped = toHttp(err);
    if (mapped.status >= 500) {
      request.log.error({ err }, 'request failed');
    } else if (err instanceof TesseraError && err.cause !== undefined) {
      // e.g. why a token was refused: useful to operators, never sent to the client.
      request.log.info({ reason: describeCause(err.cause) }, mapped.error);
    }
    return send(reply, mapped.status, mapped.error, mapped.description, mapped.headers);
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    send(reply, 404, 'not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`),
  );
}

interface Mapped {
  status: number;
  error: ErrorCode;
  description: string;
  headers?: Readonly<Record<string, string>>;
}

function toHttp(err: FastifyError | TesseraError | Error): Mapped {
  if (err instanceof TesseraError) {
    return { status: err.status, error: err.error, description: err.message, headers: err.headers };
  }
  if (err instanceof QueryFailed && UNSTORABLE_TEXT.has(err.driverCode ?? '')) {
    return {
      status: 400,
      error: 'invalid_request',
      description: 'The request holds a character that cannot be stored (U+0000).',
    };
  }
  const fe = err as FastifyError;
  if (fe.validation)
    return { status: 400, error: 'invalid_request', description: describeValidation(fe) };
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        error: 'payload_too_large',
        description: 'The request body is too large.',
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        error: 'unsupported_media_type',
        description: 'The request body must be application/json.',
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, error: 'invalid_request', description: 'The request body is empty.' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case undefined:
      break;
    default:
      break;
  }
  // JSON.parse messages quote the input (which may hold a password): never pass them on.
  if (err instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return {
      status: 400,
      error: 'invalid_request',
      description: 'The request body is not valid JSON.',
    };
  }
  if (/forbidden prototype property|__proto__|constructor\.prototype/i.test(fe.message ?? '')) {
    return {
      status: 400,
      error: 'invalid_request',
      description:
        'The request body holds a forbidden property (__proto__ or constructor.prototype).',
    };
  }
  const status = fe.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    if (status === 413)
      return { status, error: 'payload_too_large', description: 'The request is too large.' };
    if (status === 415) {
      return {
        status,
        error: 'unsupported_media_type',
        description: 'The request body must be application/json.',
      };
    }
    return { status: 400, error: 'invalid_request', description: 'The request is malformed.' };
  }
  return { status: 500, error: 'server_error', description: 'Something went wrong on our side.' };
}

/** Names the field, never the value: `email: must match format "email"`, `unknown field "role"`. */
function describeValidation(err: FastifyError): string {
  const issues = err.validation ?? [];
  const extra = issues.find((i) => i.keyword === 'additionalProperties');
  if (extra) {
    const names = (extra.params as { additionalProperties?: unknown }).additionalProperties;
    const first = Array.isArray(names) ? names[0] : names;
    return `Unknown field "${String(first).slice(0, 64)}".`;
  }
  const issue = issues.find((i) => i.keyword !== 'boolean') ?? issues[0];
  if (!issue) return 'The request is invalid.';
  const where = err.validationContext ?? 'body';
  const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const required = (issue.params as { requiredProperties?: unknown }).requiredProperties;
  if (issue.keyword === 'required' && Array.isArray(required)) {
    return `${[path, String(required[0])].filter(Boolean).join('.')} is required.`;
  }
  const field = path === '' ? where : path.slice(0, 64);
  return `${field}: ${issue.message}.`;
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return (cause as { code?: string }).code ?? cause.name;
  return 'unknown';
}

function send(
  reply: FastifyReply,
  status: number,
  error: ErrorCode,
  description: string,
  headers: Readonly<Record<string, string>> = {},
) {
  return reply.code(status).headers(headers).type('application/json; charset=utf-8').send({
    error,
    error_description: description,
  });
}
