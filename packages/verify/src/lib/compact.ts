/**
 * Reading a JWS Compact Serialization strictly: locating its three segments, decoding them as
 * canonical base64url, and parsing the JSON ones into plain objects.
 *
 * Verification decodes into one reused scratch buffer instead of allocating per segment, which
 * keeps it within a few microseconds of the bare signature check. That is safe because it is
 * synchronous and its regions never overlap: no other code runs between writing a region and
 * reading it back (the caller's key lookup runs only after the header region has been parsed).
 *
 * @module
 */
import { isUtf8 } from 'node:buffer';
import { JwtInvalid } from '../errors.js';
import { hasForeignDigits, isCanonicalDecode } from './base64url.js';

/**
 * Where the segments of a compact JWS end.
 *
 * @example
 * ```ts
 * const header = token.slice(0, bounds.headerEnd);
 * const payload = token.slice(bounds.headerEnd + 1, bounds.payloadEnd);
 * ```
 */
export interface SegmentBounds {
  readonly headerEnd: number;
  readonly payloadEnd: number;
}

/**
 * Finds the two dots of `token` and checks it has exactly three non-empty segments, or throws
 * {@link JwtInvalid}. Rejects JWE (five segments), `a.b`, `a.b.c.d`, and the empty signature of
 * an unsecured JWS. Also refuses, in one pass over the whole token, the characters a lenient
 * decoder would silently accept as digits (`lib/base64url.ts`); the rest of each segment's
 * canonical form is checked when it is decoded ({@link decodeSegment}).
 *
 * @example
 * ```ts
 * const { headerEnd, payloadEnd } = splitCompact(token);
 * const signingInput = token.slice(0, payloadEnd);
 * ```
 */
export function splitCompact(token: string): SegmentBounds {
  const headerEnd = token.indexOf('.');
  const payloadEnd = token.indexOf('.', headerEnd + 1);
  if (
    headerEnd < 1 ||
    payloadEnd < headerEnd + 2 ||
    payloadEnd === token.length - 1 ||
    token.indexOf('.', payloadEnd + 1) !== -1
  ) {
    throw new JwtInvalid('token is not three non-empty segments');
  }
  if (hasForeignDigits(token)) throw new JwtInvalid('token segment is not canonical base64url');
  return { headerEnd, payloadEnd };
}

/**
 * Regions of a {@link workspace}, each as long as the token (which bounds every segment). The
 * header is parsed before the signature is decoded, so they share one.
 *
 * @example
 * ```ts
 * const payloadBytes = space.subarray(Region.Payload * token.length);
 * ```
 */
export const Region = { Header: 0, Signature: 0, Payload: 1, Input: 2 } as const;

const SCRATCH_TOKEN_LENGTH = 8192;
const SCRATCH = Buffer.allocUnsafeSlow(3 * SCRATCH_TOKEN_LENGTH);

/**
 * A buffer with three `token.length`-byte regions: the shared scratch, or a one-off buffer for
 * tokens longer than it was made for (only possible with a raised `maxTokenLength`).
 *
 * @example
 * ```ts
 * const space = workspace(token);
 * ```
 */
export function workspace(token: string): Buffer {
  return token.length <= SCRATCH_TOKEN_LENGTH ? SCRATCH : Buffer.allocUnsafe(3 * token.length);
}

/**
 * Decodes `token.slice(start, end)` into `region` of `space` and returns the number of bytes, or
 * throws {@link JwtInvalid} unless the text is canonical unpadded base64url. Only for tokens that
 * passed {@link splitCompact}. The bytes start at `region * token.length`.
 *
 * @example
 * ```ts
 * const space = workspace(token);
 * const length = decodeSegment(token, payloadEnd + 1, token.length, space, Region.Signature);
 * ```
 */
export function decodeSegment(
  token: string,
  start: number,
  end: number,
  space: Buffer,
  region: number,
): number {
  const length = space.write(token.slice(start, end), region * token.length, 'base64url');
  if (!isCanonicalDecode(token, start, end, length)) {
    throw new JwtInvalid('token segment is not canonical base64url');
  }
  return length;
}

/**
 * The signing input `header.payload` as bytes, in the `Input` region of `space`. Only call it
 * once both segments decoded as canonical base64url: they are then pure ASCII.
 *
 * @example
 * ```ts
 * verifySignature(alg, key, signingInput(token, payloadEnd, space), signature);
 * ```
 */
export function signingInput(token: string, payloadEnd: number, space: Buffer): Buffer {
  const offset = Region.Input * token.length;
  space.write(token, offset, payloadEnd, 'latin1');
  return space.subarray(offset, offset + payloadEnd);
}

/**
 * Parses the segment bytes that {@link decodeSegment} left in `region` of `space` as a JSON
 * object, or throws {@link JwtInvalid}.
 *
 * JSON.parse keeps the last of duplicate member names and offers no hook to notice them, so
 * duplicates (RFC 7515 §5.2 allows rejecting them or keeping the last) are kept-last, exactly as
 * every other JSON.parse-based verifier (jose included) reads them.
 *
 * @example
 * ```ts
 * const length = decodeSegment(token, 0, headerEnd, space, Region.Header);
 * parseJson(token, space, Region.Header, length, 'header'); // { alg: 'ES256', ... }
 * ```
 */
export function parseJson(
  token: string,
  space: Buffer,
  region: number,
  length: number,
  what: 'header' | 'payload',
): Record<string, unknown> {
  const offset = region * token.length;
  const text = space.toString('utf8', offset, offset + length);
  // Invalid UTF-8 turns into U+FFFD, so two different byte strings would read as the same
  // claims; RFC 7519 §7.2 requires valid UTF-8. Only text showing U+FFFD needs the byte check.
  if (text.includes('\uFFFD') && !isUtf8(space.subarray(offset, offset + length))) {
    throw new JwtInvalid(`${what} is not UTF-8`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new JwtInvalid(`${what} is not JSON`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JwtInvalid(`${what} is not a JSON object`);
  }
  // Prototype poisoning: JSON.parse makes `__proto__` an own member, harmless here but a later
  // `Object.assign`/spread/deep-merge by the caller would turn it into a prototype swap. The text
  // scan keeps the common case free; `\u` escapes can spell `__proto__`, so they force the walk.
  if ((text.includes('__proto__') || text.includes('\\u')) && hasProtoKey(value)) {
    throw new JwtInvalid(`${what} has a __proto__ member`);
  }
  return value as Record<string, unknown>;
}

function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.hasOwn(value, '__proto__')) return true;
  for (const member of Object.values(value)) {
    if (hasProtoKey(member)) return true;
  }
  return false;
}
