/**
 * Verifying a compact JWS access token (RFC 7515, RFC 7519, RFC 8725, RFC 9068).
 *
 * @module
 */
import {
  AlgorithmNotAllowed,
  JwsSignatureInvalid,
  JwtClaimInvalid,
  JwtInvalid,
  KeyNotFound,
  NotSupported,
  TokenTooLarge,
} from '../errors.js';
import type { JwtKey } from '../keys.js';
import { type Algorithm, isAlgorithm, verifySignature } from '../lib/algorithms.js';
import {
  decodeSegment,
  parseJson,
  Region,
  signingInput,
  splitCompact,
  workspace,
} from '../lib/compact.js';
import { normalizeTyp, validateClaims } from './claims.js';
import { ACCESS_TOKEN_TYP } from './sign.js';
import type { JwtClaims, JwtHeader } from './types.js';

/**
 * Finds the verification key for a `kid`, or returns `undefined`. It must look up own entries
 * only (a `Map`, or `Object.hasOwn` on a record): the `kid` is attacker-chosen, e.g.
 * `__proto__` or `constructor`.
 *
 * @example
 * ```ts
 * const lookup: KeyLookup = (kid) => keyStore.current().get(kid);
 * ```
 */
export type KeyLookup = (kid: string) => JwtKey | undefined;

/**
 * What a token must satisfy besides its signature.
 *
 * @example
 * ```ts
 * const options: VerifyOptions = { issuer: 'https://auth.example', audience: 'https://api.example' };
 * ```
 */
export interface VerifyOptions {
  /** Allowed `iss`, compared exactly. */
  issuer: string | readonly string[];
  /** Allowed `aud` values; the token's `aud` must contain one. */
  audience: string | readonly string[];
  /** Expected header `typ`, default `'at+jwt'`; compared case-insensitively, `application/` optional. */
  typ?: string;
  /** Extra allow-list on top of the algorithm bound to each key. */
  algorithms?: readonly Algorithm[];
  /** Leeway for `exp`, `nbf` and `iat`, seconds, 0 to 60; default 0. */
  clockTolerance?: number;
  /** Seconds since the epoch, for frozen-clock tests; default `Date.now() / 1000`. */
  currentTime?: number;
  /** Longest accepted token, characters; default 8192. */
  maxTokenLength?: number;
  /** Claims that must be present, in addition to `iss`, `aud` and `exp` (always required). */
  requiredClaims?: readonly string[];
}

/**
 * A token that passed every check. `header` is frozen (it may be shared between results).
 *
 * @example
 * ```ts
 * const { header, payload }: VerifiedJwt<{ sub: string; scope: string }> = verifyJwt(t, k, o);
 * ```
 */
export interface VerifiedJwt<C extends JwtClaims = JwtClaims> {
  header: JwtHeader;
  payload: C;
}

/**
 * SPEC §2.2: tokens over 8 KiB are refused.
 *
 * @example
 * ```ts
 * verifyJwt(token, keys, { issuer, audience, maxTokenLength: DEFAULT_MAX_TOKEN_LENGTH });
 * ```
 */
export const DEFAULT_MAX_TOKEN_LENGTH = 8192;
/** SPEC §2.2: 60 s leeway at most; more would stretch every token's lifetime. */
const MAX_CLOCK_TOLERANCE = 60;

/**
 * Verifies a compact JWS access token and returns its header and claims. Checks, in order:
 * length, shape (three canonical base64url segments, header a JSON object), header (`alg`, `crit`,
 * `b64`, embedded keys, `kid`, key binding, `typ`), signature, then claims (`iss`, `aud`, `exp`
 * always required; `nbf`, `iat`, `sub`, `jti` typed; times against `currentTime`).
 *
 * Throws a {@link JoseError} subclass for any bad token, `TypeError` for bad options or a key that
 * does not fit its algorithm.
 *
 * @example
 * ```ts
 * const keys = new Map([[jwtKey.kid, jwtKey]]);
 * const { payload } = verifyJwt(bearer, keys, {
 *   issuer: 'https://auth.example',
 *   audience: 'https://api.example',
 * });
 * ```
 */
export function verifyJwt<C extends JwtClaims = JwtClaims>(
  token: string,
  keys: KeyLookup | ReadonlyMap<string, JwtKey>,
  options: VerifyOptions,
): VerifiedJwt<C> {
  checkOptions(options);
  if (typeof keys !== 'function' && typeof keys?.get !== 'function') {
    throw new TypeError('keys must be a function or a Map');
  }
  if (typeof token !== 'string') throw new JwtInvalid('token must be a string');
  // Before anything else: nothing below may run on a megabyte of attacker input.
  if (token.length > (options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH)) {
    throw new TokenTooLarge('token is too large');
  }

  const { headerEnd, payloadEnd } = splitCompact(token);
  const space = workspace(token);
  // A cache hit means this exact text was decoded, checked and parsed before.
  const headerText = token.slice(0, headerEnd);
  const cached = cachedHeader(headerText);
  const header = cached ?? parseHeader(token, headerEnd, space);
  // Every header check runs on every call, cached or not: keys and options may have changed.
  const key = selectKey(header, keys, options);

  // The signature is checked before the payload is parsed: nothing unauthenticated is read
  // beyond the header needed to find the key (the payload is only base64url-checked here).
  const payloadLength = decodeSegment(token, headerEnd + 1, payloadEnd, space, Region.Payload);
  const signatureLength = decodeSegment(
    token,
    payloadEnd + 1,
    token.length,
    space,
    Region.Signature,
  );
  const signatureStart = Region.Signature * token.length;
  const signature = space.subarray(signatureStart, signatureStart + signatureLength);
  // HMAC and the streaming verifiers read the string directly; one-shot Ed25519 needs bytes.
  const input =
    key.alg === 'EdDSA' ? signingInput(token, payloadEnd, space) : token.slice(0, payloadEnd);
  if (!verifySignature(key.alg, key.key, input, signature)) {
    throw new JwsSignatureInvalid('signature verification failed');
  }
  if (cached === undefined) rememberHeader(headerText, header);

  const payload = parseJson(token, space, Region.Payload, payloadLength, 'payload');
  validateClaims(payload, options, options.currentTime ?? Date.now() / 1000);
  return { header: header as JwtHeader, payload: payload as C };
}

/**
 * Parsed headers with their base64url text. Every token a key signs carries the same header, so
 * this skips a decode and a JSON.parse per request. Only headers of tokens whose signature
 * verified get in (an attacker cannot fill it without our keys), entries are deeply frozen (they
 * are shared by every result), and it is emptied when full. A short list compared with `===`
 * beats hashing a fresh substring for the handful of live keys.
 */
const headerCache: { text: string; header: Record<string, unknown> }[] = [];
const HEADER_CACHE_SIZE = 16;

function cachedHeader(headerText: string): Record<string, unknown> | undefined {
  for (const entry of headerCache) {
    if (entry.text === headerText) return entry.header;
  }
  return undefined;
}

function rememberHeader(text: string, header: Record<string, unknown>): void {
  if (headerCache.length >= HEADER_CACHE_SIZE) headerCache.length = 0;
  headerCache.push({ text, header: deepFreeze(header) });
}

function parseHeader(token: string, headerEnd: number, space: Buffer): Record<string, unknown> {
  const length = decodeSegment(token, 0, headerEnd, space, Region.Header);
  return parseJson(token, space, Region.Header, length, 'header');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** Checks the header and returns the key it names; every failure happens before any crypto. */
function selectKey(
  header: Record<string, unknown>,
  keys: KeyLookup | ReadonlyMap<string, JwtKey>,
  options: VerifyOptions,
): JwtKey {
  const { alg, kid, crit, typ } = header;
  if (typeof alg !== 'string') throw new JwtInvalid('header alg is missing or not a string');
  if (!isAlgorithm(alg)) {
    // Unsecured JWS (`none`, `None`, `NONE`, ...): never, whatever the key or options say.
    if (alg.toLowerCase() === 'none') throw new AlgorithmNotAllowed('unsecured tokens are refused');
    throw new AlgorithmNotAllowed('header alg is not supported');
  }
  if (options.algorithms !== undefined && !options.algorithms.includes(alg)) {
    throw new AlgorithmNotAllowed('header alg is not allowed');
  }

  // RFC 7515 §4.1.11: a recipient must reject a token whose crit names an extension it does not
  // understand; we understand none.
  if (crit !== undefined) {
    if (
      !Array.isArray(crit) ||
      crit.length === 0 ||
      crit.some((name) => typeof name !== 'string' || name === '')
    ) {
      throw new JwtInvalid('header crit must be a non-empty array of names');
    }
    throw new NotSupported('header crit names an unsupported extension');
  }
  // RFC 7797 unencoded payload: the signature would then cover raw bytes that are not what we
  // decode. Refused even without crit (where RFC 7797 says it "must" be listed), so a verifier
  // that honours b64 without crit can never read this token differently from us.
  if (header.b64 !== undefined && header.b64 !== true) {
    throw new NotSupported('unencoded payloads are not supported');
  }
  // Members that carry or point to a key (`jwk`, `jku`, `x5u`, `x5c`). Trusting them lets the
  // token choose its own key (jwk header injection, CVE-2018-0114; jku/x5u SSRF and key
  // substitution); they are never legitimate here, so they are refused rather than ignored.
  // `x5t`/`x5t#S256` are mere thumbprints that cannot introduce a key, and are ignored.
  if (
    header.jwk !== undefined ||
    header.jku !== undefined ||
    header.x5u !== undefined ||
    header.x5c !== undefined
  ) {
    throw new NotSupported('keys named by the token are refused');
  }

  // RFC 7515 makes kid optional; our profile requires it, so a token can never be tried
  // against several keys (which would multiply an attacker's chances).
  if (typeof kid !== 'string' || kid === '') throw new JwtInvalid('header kid is missing');
  const key = typeof keys === 'function' ? keys(kid) : keys.get(kid);
  if (key === undefined) throw new KeyNotFound('no key matches the header kid');
  if (typeof key !== 'object' || key === null || !isAlgorithm(key.alg)) {
    throw new TypeError('key lookup returned something that is not a JwtKey');
  }
  // The algorithm comes from the key; the header may only agree with it. This is the defence
  // against algorithm confusion (RS256 key + header HS256 = HMAC keyed with the public key).
  if (alg !== key.alg) throw new AlgorithmNotAllowed('header alg differs from the key algorithm');

  // RFC 8725 §3.11 / RFC 9068 §4: explicit typing stops an ID token or another JWT kind
  // signed by the same key from being accepted as an access token.
  const expected = options.typ ?? ACCESS_TOKEN_TYP;
  if (typ !== expected) {
    if (typ === undefined) throw new JwtClaimInvalid('header typ is missing', 'typ', 'missing');
    if (typeof typ !== 'string') {
      throw new JwtClaimInvalid('header typ is not a string', 'typ', 'invalid');
    }
    if (normalizeTyp(typ) !== normalizeTyp(expected)) {
      throw new JwtClaimInvalid('header typ is not the expected type', 'typ', 'check_failed');
    }
  }
  return key;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function isStringOrList(value: unknown): boolean {
  if (isNonEmptyString(value)) return true;
  return Array.isArray(value) && value.length > 0 && value.every(isNonEmptyString);
}

/** Programmer misuse is a TypeError (a 500), never a token error (a 401). */
function checkOptions(options: VerifyOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('options are required');
  const { issuer, audience, typ, algorithms, clockTolerance, currentTime } = options;
  const { maxTokenLength, requiredClaims } = options;
  if (!isStringOrList(issuer)) throw new TypeError('issuer must be a string or a list of them');
  if (!isStringOrList(audience)) throw new TypeError('audience must be a string or a list of them');
  if (typ !== undefined && !isNonEmptyString(typ)) throw new TypeError('typ must be a string');
  if (algorithms !== undefined && (!Array.isArray(algorithms) || !algorithms.every(isAlgorithm))) {
    throw new TypeError('algorithms must be a list of supported algorithms');
  }
  if (
    clockTolerance !== undefined &&
    (typeof clockTolerance !== 'number' ||
      !(clockTolerance >= 0) ||
      clockTolerance > MAX_CLOCK_TOLERANCE)
  ) {
    throw new TypeError('clockTolerance must be between 0 and 60 seconds');
  }
  if (currentTime !== undefined && !Number.isFinite(currentTime)) {
    throw new TypeError('currentTime must be a finite number of seconds');
  }
  if (
    maxTokenLength !== undefined &&
    !(Number.isSafeInteger(maxTokenLength) && maxTokenLength > 0)
  ) {
    throw new TypeError('maxTokenLength must be a positive integer');
  }
  if (
    requiredClaims !== undefined &&
    (!Array.isArray(requiredClaims) || !requiredClaims.every(isNonEmptyString))
  ) {
    throw new TypeError('requiredClaims must be a list of claim names');
  }
}
