/**
 * Tokens that a real Tessera issues verify with the ecosystem's own libraries, for every signing
 * algorithm the library supports, with keys taken from Tessera's JWKS.
 *
 * Not covered, on purpose:
 * - EdDSA with `jsonwebtoken`, `express-jwt` and `passport-jwt`: jsonwebtoken 9 has no EdDSA
 *   (the last test shows it refusing); the other two verify through it.
 * - HS256 with any of them: Tessera never publishes a symmetric key (its JWKS is empty with
 *   HS256) and offers no way to export the secret, so no resource server can hold it.
 */
import type { AddressInfo } from 'node:net';
import { fastifyJwt } from '@fastify/jwt';
import express from 'express';
import { expressjwt } from 'express-jwt';
import Fastify from 'fastify';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import jwksRsa from 'jwks-rsa';
import passport from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier } from '../../packages/verify/src/index.js';
import { type SigningAlg, startTessera, type Tessera } from './helpers/tessera.js';
import { headerOf } from './helpers/tokens.js';

const JSONWEBTOKEN_ALGS: readonly SigningAlg[] = ['ES256', 'RS256', 'PS256'];

/** Serves `app` (an Express app) on a free port and GETs `/` with `token`. */
async function getWith(
  app: express.Express,
  token: string | undefined,
): Promise<{ status: number; body: unknown }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    const text = await res.text();
    return {
      status: res.status,
      body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
    };
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

describe.each(['ES256', 'EdDSA', 'RS256', 'PS256'] as const)('tokens signed with %s', (alg) => {
  let tessera: Tessera;
  let token: string;
  let sub: string;
  let jwksUri: string;
  beforeAll(async () => {
    tessera = await startTessera(alg);
    ({ token, sub } = await tessera.user());
    const discovery = await fetch(`${tessera.url}/.well-known/openid-configuration`);
    jwksUri = ((await discovery.json()) as { jwks_uri: string }).jwks_uri;
    expect(headerOf(token)).toMatchObject({ alg, typ: 'at+jwt' });
  });
  afterAll(async () => {
    await tessera?.stop();
  });

  it('verify with @tessera/verify createVerifier', async () => {
    const verifier = createVerifier({ issuer: tessera.issuer, audience: tessera.issuer });
    expect((await verifier.verify(token)).payload.sub).toBe(sub);
  });

  it('verify with jose createRemoteJWKSet + jwtVerify', async () => {
    const jwks = createRemoteJWKSet(new URL(jwksUri));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: tessera.issuer,
      audience: tessera.issuer,
      typ: 'at+jwt',
      algorithms: [alg],
      requiredClaims: ['sub', 'iat', 'jti', 'exp'],
    });
    expect(payload.sub).toBe(sub);
    expect(protectedHeader.alg).toBe(alg);
  });

  it('verify with @fastify/jwt (keys from jwks-rsa)', async () => {
    const client = jwksRsa({ jwksUri });
    const app = Fastify();
    await app.register(fastifyJwt, {
      secret: async (_request: unknown, decoded: { header: { kid?: string } }) =>
        (await client.getSigningKey(decoded.header.kid)).getPublicKey(),
      decode: { complete: true },
      verify: { algorithms: [alg], allowedIss: tessera.issuer, allowedAud: tessera.issuer },
    });
    app.get('/', async (request) => {
      await request.jwtVerify();
      return { sub: (request.user as { sub: string }).sub };
    });
    const ok = await app.inject({ url: '/', headers: { authorization: `Bearer ${token}` } });
    expect([ok.statusCode, ok.json()]).toEqual([200, { sub }]);
    const tampered = `${token.slice(0, -6)}AAAAAA`;
    const bad = await app.inject({ url: '/', headers: { authorization: `Bearer ${tampered}` } });
    expect(bad.statusCode).toBe(401);
    await app.close();
  });

  // A plain `if`, not a runtime skip: the matrix is fixed, and unsupported pairs are not tests.
  if (JSONWEBTOKEN_ALGS.includes(alg)) {
    it('verify with jsonwebtoken + jwks-rsa', async () => {
      const client = jwksRsa({ jwksUri });
      const key = await client.getSigningKey(headerOf(token).kid);
      const payload = jsonwebtoken.verify(token, key.getPublicKey(), {
        algorithms: [alg as jsonwebtoken.Algorithm],
        issuer: tessera.issuer,
        audience: tessera.issuer,
      }) as jsonwebtoken.JwtPayload;
      expect(payload.sub).toBe(sub);
    });

    it('verify with express-jwt + jwks-rsa expressJwtSecret', async () => {
      const app = express();
      app.get(
        '/',
        expressjwt({
          secret: jwksRsa.expressJwtSecret({ jwksUri, cache: true }) as never,
          algorithms: [alg as jsonwebtoken.Algorithm],
          issuer: tessera.issuer,
          audience: tessera.issuer,
        }),
        (req, res) => {
          res.json({ sub: (req as unknown as { auth: { sub: string } }).auth.sub });
        },
      );
      app.use(((err, _req, res, _next) => {
        res.status(err.status ?? 500).json({ error: err.code });
      }) as express.ErrorRequestHandler);
      expect(await getWith(app, token)).toEqual({ status: 200, body: { sub } });
      expect((await getWith(app, undefined)).status).toBe(401);
      expect((await getWith(app, `${token.slice(0, -6)}AAAAAA`)).status).toBe(401);
    });

    it('verify with passport-jwt + jwks-rsa passportJwtSecret', async () => {
      const strategy = new JwtStrategy(
        {
          jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
          secretOrKeyProvider: jwksRsa.passportJwtSecret({ jwksUri, cache: true }),
          algorithms: [alg],
          issuer: tessera.issuer,
          audience: tessera.issuer,
        },
        (payload: { sub: string }, done: (e: unknown, user?: unknown) => void) =>
          done(null, payload),
      );
      const name = `tessera-${alg}`;
      passport.use(name, strategy);
      const app = express();
      app.use(passport.initialize());
      app.get('/', passport.authenticate(name, { session: false }), (req, res) => {
        res.json({ sub: (req.user as { sub: string }).sub });
      });
      expect(await getWith(app, token)).toEqual({ status: 200, body: { sub } });
      expect((await getWith(app, undefined)).status).toBe(401);
      expect((await getWith(app, `${token.slice(0, -6)}AAAAAA`)).status).toBe(401);
    });
  } else {
    it('jsonwebtoken 9 has no EdDSA (why it is left out of its matrix)', async () => {
      const key = await jwksRsa({ jwksUri }).getSigningKey(headerOf(token).kid);
      expect(() =>
        jsonwebtoken.verify(token, key.getPublicKey(), { algorithms: ['EdDSA' as never] }),
      ).toThrow();
    });
  }
});
