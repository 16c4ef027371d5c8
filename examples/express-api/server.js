// A small notes API that trusts a running Tessera: every route needs a Tessera access token,
// each user reaches only their own notes, and /admin/stats needs the `admin` scope.
//
//   TESSERA_ISSUER=http://localhost:8080 PORT=3000 node examples/express-api/server.js
//   curl -H "authorization: Bearer $TOKEN" localhost:3000/users/$USER_ID/notes
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createVerifier } from '@tessera/verify';
import { authenticate, requireScope, requireSubject } from '@tessera/verify/express';
import express from 'express';

/**
 * The Express app. `issuer` is Tessera's TESSERA_ISSUER; `audience` the `aud` its tokens carry
 * for this API (Tessera's TESSERA_AUDIENCE, which defaults to the issuer).
 */
export function createApp({ issuer, audience = issuer }) {
  // One verifier per process: it holds the key cache and the verified-token cache.
  const verifier = createVerifier({ issuer, audience });
  /** @type {Map<string, Array<{id: string, text: string, created_at: string}>>} */
  const notes = new Map();

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => res.json({ ok: true }));

  const api = express.Router();
  api.use(authenticate(verifier));
  api.get('/users/:id/notes', requireSubject('id'), (req, res) => {
    res.json({ notes: notes.get(req.params.id) ?? [] });
  });
  api.post(
    '/users/:id/notes',
    requireSubject('id'),
    requireScope('profile'),
    express.json({ limit: '16kb' }),
    (req, res) => {
      const text = req.body?.text;
      if (typeof text !== 'string' || text.length === 0 || text.length > 2000) {
        res
          .status(400)
          .json({ error: 'invalid_request', error_description: 'text: 1 to 2000 characters' });
        return;
      }
      const note = { id: randomUUID(), text, created_at: new Date().toISOString() };
      notes.set(req.params.id, [...(notes.get(req.params.id) ?? []), note]);
      res.status(201).json(note);
    },
  );
  api.get('/admin/stats', requireScope('admin'), (_req, res) => {
    let count = 0;
    for (const list of notes.values()) count += list.length;
    res.json({ users: notes.size, notes: count });
  });
  app.use(api);

  app.use((_req, res) =>
    res.status(404).json({ error: 'not_found', error_description: 'no such route' }),
  );
  // Errors never echo the request (which holds the token): a fixed body, the details in the log.
  app.use((err, _req, res, _next) => {
    const status = Number.isInteger(err?.status) && err.status < 500 ? err.status : 500;
    if (status === 500) console.error(err);
    res.status(status).json({
      error: status === 500 ? 'server_error' : 'invalid_request',
      error_description: status === 500 ? 'something went wrong' : 'the request is malformed',
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
  const app = createApp({ issuer, audience: process.env.TESSERA_AUDIENCE || issuer });
  const server = app.listen(
    Number(process.env.PORT ?? 3000),
    process.env.HOST ?? '127.0.0.1',
    () => {
      const { address, port } = server.address();
      console.log(`notes API listening on http://${address}:${port}`);
    },
  );
  for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => server.close());
}
