import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/** Where `npm run build` puts the page (packages/web/dist), from dist/web/ or src/web/. */
export const WEB_ROOT = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/**
 * The page's own policy (the API keeps helmet's `default-src 'none'`): scripts and
 * styles only from this origin's bundled files — no inline script, no CDN, no eval —
 * API calls only to this origin, avatars from any https image host, never framed.
 */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' https: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the built web page at `/` with its own security headers. Registered
 * from `http/app.ts`; when the page has not been built (API-only tests), it
 * registers nothing and says so once.
 */
export const webRoutes: FastifyPluginAsync<{ root?: string }> = async (app, options) => {
  const root = options.root ?? WEB_ROOT;
  if (!existsSync(`${root}/index.html`)) {
    app.log.info({ root }, 'web page not built: serving the API only (npm run build builds it)');
    return;
  }
  // Encapsulated: these hooks touch only the page's routes, never /v1.
  app.addHook('onSend', async (request, reply) => {
    reply.header('content-security-policy', WEB_CSP);
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    // Hashed asset names change with their content; the HTML must always be revalidated.
    reply.header(
      'cache-control',
      request.url.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
  });
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    // One route per built file (found at start), so unknown paths fall through to the API's 404.
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    dotfiles: 'deny',
  });
};

export default webRoutes;
