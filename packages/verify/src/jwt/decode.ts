/**
 * Reading a token without verifying it.
 *
 * @module
 */
import { JwtInvalid, TokenTooLarge } from '../errors.js';
import { decodeSegment, parseJson, Region, splitCompact, workspace } from '../lib/compact.js';
import type { JwtClaims, JwtHeader } from './types.js';
import { DEFAULT_MAX_TOKEN_LENGTH } from './verify.js';

/**
 * Decodes a token's header and claims WITHOUT verifying anything: for display
 * (`tessera token decode`), never for decisions. The shape is still checked as strictly as
 * {@link verifyJwt} does: at most 8192 characters, three canonical base64url segments, header and
 * payload JSON objects without `__proto__`, header `alg` a string (not necessarily supported).
 *
 * @example
 * ```ts
 * const { header, payload } = decodeJwt(token);
 * console.log(header.kid, new Date((payload.exp ?? 0) * 1000));
 * ```
 */
export function decodeJwt(token: string): { header: JwtHeader; payload: JwtClaims } {
  if (typeof token !== 'string') throw new JwtInvalid('token must be a string');
  if (token.length > DEFAULT_MAX_TOKEN_LENGTH) throw new TokenTooLarge('token is too large');
  const { headerEnd, payloadEnd } = splitCompact(token);
  const space = workspace(token);
  const headerLength = decodeSegment(token, 0, headerEnd, space, Region.Header);
  const header = parseJson(token, space, Region.Header, headerLength, 'header');
  if (typeof header.alg !== 'string') throw new JwtInvalid('header alg is missing or not a string');
  const payloadLength = decodeSegment(token, headerEnd + 1, payloadEnd, space, Region.Payload);
  const payload = parseJson(token, space, Region.Payload, payloadLength, 'payload');
  // The signature is not verified, but its shape is checked like every other segment.
  decodeSegment(token, payloadEnd + 1, token.length, space, Region.Signature);
  return { header: header as JwtHeader, payload: payload as JwtClaims };
}
