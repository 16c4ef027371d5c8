import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import { ErrorBody } from '../http/schemas.js';
import { authenticateClient, clientCredentialsGrant } from './service.js';

/** RFC 6749 §4.4.2; other parameters are ignored, as §3.2 asks. */
const TokenRequest = Type.Object(
  {
    grant_type: Type.String({ maxLength: 200 }),
    scope: Type.Optional(Type.String({ maxLength: 2000 })),
    client_id: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: true },
);

const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  scope: Type.String(),
});

const BASIC = /^Basic ([A-Za-z0-9+/]+=*)$/i;

/**
 * The OAuth token endpoint for service clients (`client_credentials`, HTTP Basic). It
 * alone accepts form bodies: `@fastify/formbody` is registered inside this plugin, so
 * every other route still answers 415 to a form.
 */
export const clientsRoutes: FastifyPluginAsyncTypebox<{ ctx: Context }> = async (app, { ctx }) => {
  await app.register(formbody, { bodyLimit: 8 * 1024 });

  app.post(
    '/v1/oauth/token',
    {
      bodyLimit: 8 * 1024,
      schema: {
        body: TokenRequest,
        response: { 200: TokenResponse, 400: ErrorBody, 401: ErrorBody },
      },
    },
    async (request, reply) => {
      const { id, secret } = basicCredentials(request.headers.authorization);
      const body = request.body;
      if ('client_secret' in body) {
        throw new OAuthError('invalid_request', 'Send client credentials with HTTP Basic only.');
      }
      if (body.client_id !== undefined && body.client_id !== id) {
        throw new OAuthError(
          'invalid_request',
          'client_id does not match the authenticated client.',
        );
      }
      const client = await authenticateClient(ctx, id, secret);
      if (body.grant_type !== 'client_credentials') {
        throw new OAuthError(
          'unsupported_grant_type',
          'This endpoint supports grant_type=client_credentials.',
        );
      }
      reply.header('pragma', 'no-cache');
      return clientCredentialsGrant(ctx, client, body.scope);
    },
  );
};

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before going into Basic. */
function basicCredentials(header: string | undefined): { id: string; secret: string } {
  const match = typeof header === 'string' ? BASIC.exec(header) : null;
  if (!match)
    throw new OAuthError('invalid_client', 'Client authentication (HTTP Basic) is required.');
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new OAuthError('invalid_client', 'Client authentication failed.');
  try {
    const unform = (s: string) => decodeURIComponent(s.replaceAll('+', ' '));
    return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
  } catch {
    throw new OAuthError('invalid_client', 'Client authentication failed.');
  }
}
