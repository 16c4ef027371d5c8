import type { FastifyReply } from 'fastify';
import type { Static } from 'typebox';
import type { TokenResponse } from '../accounts/schemas.js';
import { toUser } from '../accounts/service.js';
import type { Config } from '../config.js';
import { setRefreshCookie } from './cookie.js';
import type { SessionTokens } from './service.js';

export type Transport = 'body' | 'cookie';

/**
 * The token response (SPEC §2.1). With the cookie transport the refresh token
 * goes only into the HttpOnly cookie: page script, and so an XSS payload,
 * never sees it.
 */
export function tokenResponse(
  reply: FastifyReply,
  config: Config,
  tokens: SessionTokens,
  transport: Transport,
): Static<typeof TokenResponse> {
  const body: Static<typeof TokenResponse> = {
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: tokens.expiresIn,
    session_id: tokens.session.id,
    user: toUser(tokens.user),
  };
  if (transport === 'cookie') {
    setRefreshCookie(reply, config, tokens.refreshToken, tokens.sessionRemaining);
  } else {
    body.refresh_token = tokens.refreshToken;
  }
  return body;
}
