// The notes API of ../express-api, on Fastify with the @tessera/verify plugin.
//
//   TESSERA_ISSUER=http://localhost:8080 PORT=3001 node examples/fastify-api/server.js
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { requireScope, requireSubject, tesseraPlugin } from '@tessera/verify/fastify';
import Fastify from 'fastify';

/**
 * The Fastify app. `issuer` is Tessera's TESSERA_ISSUER; `audience` the `aud` its tokens carry
 * for this API (Tessera's TESSERA_AUDIENCE, which defaults to the issuer).
 */
export async function createApp({ issuer, audience = issuer, logger = false }) {
  /** @type {Map<string, Array<{id: string, text: string, created_at: string}>>} */
  const notes = new Map();
  // Fastify's logger never logs the Authorization header by default; keep it that way.
  const app = Fastify({ logger });
  await app.register(tesseraPlugin, { issuer, audience });

  app.get('/healthz', async () => ({ ok: true }));

  // Everything registered in here needs a token.
  await app.register(async (api) => {
    api.addHook('onRequest', api.tessera.authenticate);

    const params = {
      type: 'object',
      properties: { id: { type: 'string', maxLength: 128 } },
      required: ['id'],
    };
    api.get(
      '/users/:id/notes',
      { schema: { params }, onRequest: requireSubject('id') },
      async (request) => ({
        notes: notes.get(request.params.id) ?? [],
      }),
    );
    api.post(
      '/users/:id/notes',
      {
        schema: {
          params,
          body: {
            type: 'object',
            properties: { text: { type: 'string', minLength: 1, maxLength: 2000 } },
            required: ['text'],
            additionalProperties: false,
          },
        },
        onRequest: [requireSubject('id'), requireScope('profile')],
      },
      async (request, reply) => {
        const note = {
          id: randomUUID(),
          text: request.body.text,
          created_at: new Date().toISOString(),
        };
        notes.set(request.params.id, [...(notes.get(request.params.id) ?? []), note]);
        return reply.code(201).send(note);
      },
    );
    api.get('/admin/stats', { onRequest: requireScope('admin') }, async () => {
      let count = 0;
      for (const list of notes.values()) count += list.length;
      return { users: notes.size, notes: count };
    });
  });
  return app;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const issuer = process.env.TESSERA_ISSUER;
  if (!issuer) {
    console.error('set TESSERA_ISSUER to the URL of a running Tessera');
    process.exit(1);
  }
  const app = await createApp({ issuer, audience: process.env.TESSERA_AUDIENCE || issuer });
  const url = await app.listen({
    port: Number(process.env.PORT ?? 3001),
    host: process.env.HOST ?? '127.0.0.1',
  });
  console.log(`notes API listening on ${url}`);
  for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => app.close());
}
