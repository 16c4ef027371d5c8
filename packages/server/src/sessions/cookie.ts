import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { Forbidden, TesseraError } from '../errors.js';

export const REFRESH_COOKIE = 'tessera_refresh';
/** The cookie goes only to the auth routes: no other request ever carries it. */
const COOKIE_PATH = '/v1/auth';

function isSecureContext(issuer: string): boolean {
  const url = new URL(issuer);
  return url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

function cookieOptions(config: Config, maxAgeSeconds: number): CookieSerializeOptions {
  return {
    httpOnly: true,
    sameSite: 'strict',
    secure: isSecureContext(config.issuer),
    path: COOKIE_PATH,
    maxAge: Math.max(0, Math.floor(maxAgeSeconds)),
  };
}

export function setRefreshCookie(
  reply: FastifyReply,
  config: Config,
  token: string,
  maxAgeSeconds: number,
): void {
  reply.setCookie(REFRESH_COOKIE, token, cookieOptions(config, maxAgeSeconds));
}

export function clearRefreshCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(REFRESH_COOKIE, cookieOptions(config, 0));
}

export function refreshCookie(request: FastifyRequest): string | undefined {
  const value = request.cookies[REFRESH_COOKIE];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * CSRF defence for every request a cookie authenticates (or that asks for one):
 * the `Origin` must be one of TESSERA_ALLOWED_ORIGINS — missing or `null`
 * counts as foreign — and the body must be JSON, which a cross-site form or
 * `text/plain` post cannot send without a CORS preflight we would refuse.
 */
export function assertCookieRequestAllowed(config: Config, request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (typeof origin !== 'string' || !config.allowedOrigins.includes(origin)) {
    throw new Forbidden('This request must come from an allowed origin.');
  }
  if (request.headers['sec-fetch-site'] === 'cross-site') {
    throw new Forbidden('Cross-site requests may not use the session cookie.');
  }
  const type = request.headers['content-type'];
  if (typeof type !== 'string' || !/^application\/json\s*(;|$)/i.test(type)) {
    throw new TesseraError(
      'unsupported_media_type',
      'Cookie-authenticated requests must send a JSON body.',
    );
  }
}
