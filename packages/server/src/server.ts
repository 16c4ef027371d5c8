import type { FastifyInstance } from 'fastify';
import { type Config, resolveListeningPort } from './config.js';
import { type Context, createContext } from './context.js';
import { buildApp } from './http/app.js';

export interface RunningServer {
  app: FastifyInstance;
  ctx: Context;
  url: string;
  /** Stops accepting, finishes in-flight requests, closes the database. */
  close(): Promise<void>;
}

/**
 * Opens storage, builds the app and listens. The caller owns signals.
 *
 * @example
 * const server = await startServer(loadConfig());
 * console.log(server.url);
 */
export async function startServer(config: Config): Promise<RunningServer> {
  const ctx = await createContext(config);
  let app: FastifyInstance | undefined;
  try {
    app = await buildApp(ctx);
    for (const warning of ctx.warnings) app.log.warn(warning);
    await ctx.passwords.warm();
    await app.listen({
      port: config.port,
      host: config.host,
      listenTextResolver: (address) => `listening on ${address}`,
    });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    resolveListeningPort(config, port);
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const server = app;
    return {
      app: server,
      ctx,
      url: `http://${host}:${port}`,
      close: async () => {
        await server.close();
        await ctx.close();
      },
    };
  } catch (err) {
    await app?.close();
    await ctx.close();
    throw err;
  }
}
