import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Context } from '../context.js';

const Jwk = Type.Object(
  {
    kty: Type.String(),
    kid: Type.String(),
    alg: Type.String(),
    use: Type.String(),
    crv: Type.Optional(Type.String()),
    x: Type.Optional(Type.String()),
    y: Type.Optional(Type.String()),
    n: Type.Optional(Type.String()),
    e: Type.Optional(Type.String()),
  },
  // Serialization drops anything undeclared, so a private member (d, p, q, k…) can never be published.
  { additionalProperties: false },
);

const Discovery = Type.Object({
  issuer: Type.String(),
  jwks_uri: Type.String(),
  token_endpoint: Type.String(),
  grant_types_supported: Type.Array(Type.String()),
  token_endpoint_auth_methods_supported: Type.Array(Type.String()),
  id_token_signing_alg_values_supported: Type.Array(Type.String()),
  token_endpoint_auth_signing_alg_values_supported: Type.Array(Type.String()),
  response_types_supported: Type.Array(Type.String()),
  subject_types_supported: Type.Array(Type.String()),
  scopes_supported: Type.Array(Type.String()),
});

/** How long a JWKS view may be stale: a rotation on another instance shows within this. */
const JWKS_MAX_AGE_MS = 2_000;

/** Published keys and the discovery document. */
export const keysRoutes: FastifyPluginAsyncTypebox<{ ctx: Context }> = async (app, { ctx }) => {
  app.get(
    '/.well-known/jwks.json',
    { schema: { response: { 200: Type.Object({ keys: Type.Array(Jwk) }) } } },
    async (_request, reply) => {
      await ctx.keys.refreshIfOlderThan(JWKS_MAX_AGE_MS);
      // Short caching: a verifier refetches on an unknown kid anyway, and `next` keys are published early.
      reply.header('cache-control', 'public, max-age=60');
      return ctx.keys.jwks() as {
        keys: Array<{ kty: string; kid: string; alg: string; use: string }>;
      };
    },
  );

  app.get(
    '/.well-known/openid-configuration',
    { schema: { response: { 200: Discovery } } },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      const issuer = ctx.config.issuer;
      return {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        token_endpoint: `${issuer}/v1/oauth/token`,
        grant_types_supported: ['password', 'refresh_token', 'client_credentials'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        id_token_signing_alg_values_supported: [ctx.config.signingAlg],
        token_endpoint_auth_signing_alg_values_supported: [ctx.config.signingAlg],
        response_types_supported: ['token'],
        subject_types_supported: ['public'],
        scopes_supported: [
          'profile',
          'vault',
          'admin',
          'vault:tokenize',
          'vault:read',
          'vault:detokenize',
          'vault:delete',
        ],
      };
    },
  );
};
