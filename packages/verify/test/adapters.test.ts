import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as expressAdapter from '../src/adapters/express.js';
import * as fastifyAdapter from '../src/adapters/fastify.js';
import * as webAdapter from '../src/adapters/web.js';
import { createVerifier, type Verifier } from '../src/index.js';
import { fakeIssuer } from './issuer-helpers.js';

interface Answer {
  status: number;
  challenge: string | null;
  body: Record<string, unknown>;
  raw: string;
}
type Call = (path: string, authorization?: string) => Promise<Answer>;

const issuer = fakeIssuer();
const verifier = createVerifier(issuer.options());
const down = fakeIssuer();
down.jwksResponse = () => new Response('', { status: 500 });
const unreachable = createVerifier(down.options());

async function toAnswer(response: Response): Promise<Answer> {
  const raw = await response.text();
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    body: JSON.parse(raw) as Record<string, unknown>,
    raw: raw + JSON.stringify([...response.headers]),
  };
}

function expressApp(v: Verifier) {
  const { authenticate, requireScope, requireSubject } = expressAdapter;
  const app = express();
  app.use(authenticate(v));
  app.get('/users/:id/notes', requireSubject('id'), (req, res) => {
    res.json({ sub: req.tessera?.payload.sub });
  });
  app.get('/users/:id/profile', requireSubject('id', { unlessScope: 'admin' }), (req, res) => {
    res.json({ sub: req.tessera?.payload.sub });
  });
  app.get('/admin', requireScope('admin'), (_req, res) => res.json({ ok: true }));
  app.get('/both', requireScope('profile', 'vault'), (_req, res) => res.json({ ok: true }));
  return app;
}

async function fastifyApp(v: Verifier) {
  const { tesseraPlugin, requireScope, requireSubject } = fastifyAdapter;
  const app = Fastify();
  await app.register(tesseraPlugin, { verifier: v });
  const auth = app.tessera.authenticate;
  app.get('/users/:id/notes', { onRequest: [auth, requireSubject('id')] }, async (request) => ({
    sub: request.tessera?.payload.sub,
  }));
  app.get(
    '/users/:id/profile',
    { onRequest: [auth, requireSubject('id', { unlessScope: 'admin' })] },
    async (request) => ({ sub: request.tessera?.payload.sub }),
  );
  app.get('/admin', { onRequest: [auth, requireScope('admin')] }, async () => ({ ok: true }));
  app.get('/both', { preHandler: [auth, requireScope('profile', 'vault')] }, async () => ({
    ok: true,
  }));
  return app;
}

function webHandler(v: Verifier) {
  const { createGuard, requireScope, requireSubject } = webAdapter;
  const notes = createGuard(v, requireSubject('id'));
  const profile = createGuard(v, requireSubject('id', { unlessScope: 'admin' }));
  const admin = createGuard(v, requireScope('admin'));
  const both = createGuard(v, requireScope('profile', 'vault'));
  return async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    const user = /^\/users\/([^/]+)\/(notes|profile)$/.exec(pathname);
    const guard = user
      ? user[2] === 'notes'
        ? notes
        : profile
      : pathname === '/admin'
        ? admin
        : both;
    const result = await guard(request, user ? { id: user[1] } : {});
    if (!result.ok) return result.response;
    return Response.json(user ? { sub: result.token.payload.sub } : { ok: true });
  };
}

const adapters: Array<{
  name: string;
  make: (v: Verifier) => Promise<{ call: Call; close(): Promise<void> }>;
}> = [
  {
    name: 'express',
    make: async (v) => {
      const server = expressApp(v).listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return {
        call: async (path, authorization) =>
          toAnswer(await fetch(base + path, { headers: authorization ? { authorization } : {} })),
        close: () => new Promise((r) => server.close(() => r())),
      };
    },
  },
  {
    name: 'fastify',
    make: async (v) => {
      const app = await fastifyApp(v);
      return {
        call: async (path, authorization) => {
          const res = await app.inject({
            url: path,
            headers: authorization ? { authorization } : {},
          });
          return toAnswer(
            new Response(res.body, {
              status: res.statusCode,
              headers: res.headers as Record<string, string>,
            }),
          );
        },
        close: () => app.close(),
      };
    },
  },
  {
    name: 'web Request',
    make: async (v) => {
      const handle = webHandler(v);
      return {
        call: async (path, authorization) =>
          toAnswer(
            await handle(
              new Request(`http://api.test${path}`, {
                headers: authorization ? { authorization } : {},
              }),
            ),
          ),
        close: async () => {},
      };
    },
  },
];

describe.each(adapters)('$name adapter', ({ make }) => {
  let call: Call;
  let callDown: Call;
  const closers: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    const up = await make(verifier);
    const broken = await make(unreachable);
    call = up.call;
    callDown = broken.call;
    closers.push(up.close, broken.close);
  });
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('answers a missing token with a bare Bearer challenge (RFC 6750 §3.1)', async () => {
    for (const header of [undefined, 'Basic dXNlcjpwYXNz', 'Token abc']) {
      const answer = await call('/admin', header);
      expect(answer.status).toBe(401);
      expect(answer.challenge).toBe('Bearer');
      expect(answer.body.error).toBe('invalid_token');
    }
  });

  it('answers every bad token with the same 401 invalid_token, never echoing it', async () => {
    const key = issuer.keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    const bad = [
      'Bearer',
      'Bearer ',
      'Bearer not.a.jwt',
      'Bearer a b',
      `Bearer ${issuer.sign({ exp: now - 100, iat: now - 200 })}`,
      `Bearer ${issuer.sign({ aud: 'https://other.example' })}`,
      `Bearer ${issuer.sign({}, { ...key, kid: 'unknown' })}`,
      `Bearer ${issuer.sign().slice(0, -4)}AAAA`,
    ];
    const bodies = new Set<string>();
    for (const header of bad) {
      const answer = await call('/users/user-1/notes', header);
      expect(answer.status).toBe(401);
      expect(answer.challenge).toBe('Bearer error="invalid_token"');
      bodies.add(JSON.stringify(answer.body));
      const token = header.slice(7);
      if (token.length > 8) expect(answer.raw).not.toContain(token);
    }
    expect(bodies.size).toBe(1);
  });

  it('accepts the subject on its own route and refuses it on another user', async () => {
    const token = issuer.sign({ sub: 'user-1' });
    const own = await call('/users/user-1/notes', `Bearer ${token}`);
    expect([own.status, own.body]).toEqual([200, { sub: 'user-1' }]);
    const other = await call('/users/user-2/notes', `bearer ${token}`);
    expect(other.status).toBe(403);
    expect(other.body.error).toBe('forbidden');
    expect(other.challenge).toBeNull();
  });

  it('lets unlessScope act for another subject', async () => {
    const admin = issuer.sign({ sub: 'boss', scope: 'profile admin' });
    expect((await call('/users/user-2/profile', `Bearer ${admin}`)).status).toBe(200);
    expect((await call('/users/user-2/notes', `Bearer ${admin}`)).status).toBe(403);
  });

  it('answers a missing scope with 403 insufficient_scope and the scope challenge', async () => {
    const user = issuer.sign({ scope: 'profile vault' });
    const answer = await call('/admin', `Bearer ${user}`);
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('insufficient_scope');
    expect(answer.challenge).toBe('Bearer error="insufficient_scope", scope="admin"');
    expect((await call('/both', `Bearer ${user}`)).status).toBe(200);
    const partial = await call('/both', `Bearer ${issuer.sign({ scope: 'profile' })}`);
    expect(partial.challenge).toBe('Bearer error="insufficient_scope", scope="profile vault"');
    expect((await call('/admin', `Bearer ${issuer.sign({ scope: 'admin' })}`)).status).toBe(200);
  });

  it('answers 503 when the issuer keys cannot be fetched', async () => {
    const answer = await callDown('/admin', `Bearer ${issuer.sign()}`);
    expect(answer.status).toBe(503);
    expect(answer.body.error).toBe('temporarily_unavailable');
  });
});

describe('adapter setup errors', () => {
  it('refuses scopes that would break the challenge', () => {
    expect(() => expressAdapter.requireScope('a"b')).toThrow(TypeError);
    expect(() => fastifyAdapter.requireScope('a b')).toThrow(TypeError);
    expect(() => webAdapter.requireScope()).toThrow(TypeError);
    expect(() => webAdapter.requireSubject('')).toThrow(TypeError);
  });

  it('reports a check placed before authentication as a server error, not a 401', async () => {
    const app = express();
    app.get('/x', expressAdapter.requireScope('a'), (_req, res) => res.json({}));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`);
    expect(res.status).toBe(500);
    await new Promise((r) => server.close(r));
  });
});
