import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { accountsRoutes } from '../accounts/routes.js';
import { auditRoutes } from '../audit/routes.js';
import { clientsRoutes } from '../clients/routes.js';
import type { Context } from '../context.js';
import { RateLimited } from '../errors.js';
import { healthRoutes } from '../health/routes.js';
import { keysRoutes } from '../keys/routes.js';
import { sessionsRoutes } from '../sessions/routes.js';
import { vaultRoutes } from '../vault/routes.js';
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
const PURGE_MS = 10 * 60_000;
const VAULT_PURGE_MS = 60_000;

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

  await app.register(cookie);
  await app.register(cors, {
    // Exact matches only, read at request time (PORT=0 resolves the default after listen).
    // A listed origin is echoed back (with Vary: Origin); any other gets no CORS headers.
    origin: (origin, cb) =>
      cb(null, origin !== undefined && ctx.config.allowedOrigins.includes(origin)),
    credentials: true,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type'],
    maxAge: 600,
  });
  await app.register(rateLimit, {
    global: false,
    // Per-process memory: a coarse flood guard. Exact, shared counters protect logins (accounts/throttle.ts).
    errorResponseBuilder: (_request, context) => new RateLimited(context.ttl / 1000),
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

  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, what: string, job: () => Promise<unknown>) => {
    const timer = setInterval(() => {
      job().catch((err: unknown) => app.log.warn({ err }, `${what} failed`));
    }, ms);
    timer.unref();
    timers.push(timer);
  };
  app.addHook('onReady', async () => {
    every(KEY_REFRESH_MS, 'refreshing signing keys', () => ctx.keys.refresh());
    // Ended sessions (and their refresh tokens) are kept a day for the record, then purged.
    every(PURGE_MS, 'purging ended sessions', () =>
      ctx.store.sessions.purgeEnded(ctx.now() - 86_400_000),
    );
    // Expired vault tokens answer 410 for a while, then this sweep deletes them.
    every(VAULT_PURGE_MS, 'purging expired vault tokens', () => ctx.vault.purgeExpired());
  });
  app.addHook('onClose', async () => {
    for (const timer of timers) clearInterval(timer);
  });

  await app.register(healthRoutes, { ctx });
  await app.register(keysRoutes, { ctx });
  await app.register(vaultRoutes, { ctx });
  await app.register(auditRoutes, { ctx });
  await app.register(import('../web/routes.js')); // the web page at `/`, with its own CSP
  // The coarse per-address limit covers every route that takes a credential:
  // /v1/auth/* and the OAuth token endpoint.
  await app.register(async (auth) => {
    const limit = auth.rateLimit({ max: ctx.config.authRateLimit, timeWindow: 60_000 });
    auth.addHook('onRequest', async function (request, reply) {
      const url = request.routeOptions.url ?? '';
      if (url.startsWith('/v1/auth/') || url === '/v1/oauth/token')
        await limit.call(this, request, reply);
    });
    await auth.register(accountsRoutes, { ctx });
    await auth.register(sessionsRoutes, { ctx });
    await auth.register(clientsRoutes, { ctx });
  });
  return app;
}
