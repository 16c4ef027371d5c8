import helmet from '@fastify/helmet';
import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { accountsRoutes } from '../accounts/routes.js';
import type { Context } from '../context.js';
import { healthRoutes } from '../health/routes.js';
import { keysRoutes } from '../keys/routes.js';
import { registerErrorHandling } from './errors.js';
import { loggerOptions } from './logging.js';

export interface AppOptions {
  /** Pino options or `false`; defaults to JSON logs at the configured level. */
  logger?: FastifyServerOptions['logger'];
}

/** Bodies above this are refused with 413 (routes that need more, like vault batches, raise it). */
export const BODY_LIMIT = 64 * 1024;
/** A key rotated on another instance is picked up within this time even with no unknown kid. */
const KEY_REFRESH_MS = 30_000;

/**
 * Builds the HTTP application around a context: core behaviour (errors,
 * content types, headers, metrics), then one encapsulated plugin per feature.
 *
 * @example
 * const app = await buildApp(ctx);
 * const res = await app.inject({ method: 'GET', url: '/healthz' });
 */
export async function buildApp(ctx: Context, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? loggerOptions(ctx.config.logLevel),
    bodyLimit: BODY_LIMIT,
    trustProxy: ctx.config.trustProxy,
    // Prototype-poisoned JSON is refused (400), not silently stripped.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Slow-loris: a request must arrive whole within this time.
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // TypeBox checks bodies exactly (no coercion, additionalProperties:false is an error, not a strip).
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  // JSON only: a cross-site form or text/plain post cannot reach a handler (415).
  app.removeContentTypeParser(['text/plain']);

  registerErrorHandling(app);
  await app.register(helmet, {
    // The API serves no HTML: nothing may run, frame or be referred from it.
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    referrerPolicy: { policy: 'no-referrer' },
    hsts: ctx.config.issuer.startsWith('https:'),
  });

  app.addHook('onRequest', async (request, reply) => {
    request.auth = null;
    // Responses of the API may carry tokens or personal data: never cache them.
    if (request.url.startsWith('/v1/')) reply.header('cache-control', 'no-store');
  });
  app.decorateRequest('auth', null);

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    ctx.metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    ctx.metrics.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  // Graceful shutdown: requests in flight finish, and their keep-alive
  // connections close right after instead of holding the process open.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      ctx.keys
        .refresh()
        .catch((err: unknown) => app.log.warn({ err }, 'could not refresh signing keys'));
    }, KEY_REFRESH_MS);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));

  await app.register(healthRoutes, { ctx });
  await app.register(keysRoutes, { ctx });
  await app.register(accountsRoutes, { ctx });
  return app;
}
