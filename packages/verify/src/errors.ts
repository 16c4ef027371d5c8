/**
 * One error hierarchy with stable string codes, modelled on jose `src/util/errors.ts`.
 *
 * Untrusted input (a token) always fails with a {@link JoseError} subclass; programmer misuse
 * (bad options, a key that does not fit its algorithm) fails with a `TypeError`. Messages are
 * fixed sentences: they never contain the token, a key or a claim value, so they are safe to log.
 *
 * @module
 */

/**
 * Base class of every token-verification error; branch on {@link JoseError.code}, not on messages.
 *
 * @example
 * ```ts
 * try {
 *   verifyJwt(token, keys, options);
 * } catch (error) {
 *   if (error instanceof JoseError) reply(401, { error: 'invalid_token' });
 *   else throw error;
 * }
 * ```
 */
export class JoseError extends Error {
  /** Stable machine-readable code, e.g. `'ERR_JWT_EXPIRED'`. */
  static readonly code: string = 'ERR_JOSE_GENERIC';
  /** Stable machine-readable code, e.g. `'ERR_JWT_EXPIRED'`. */
  readonly code: string = 'ERR_JOSE_GENERIC';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The token is malformed: wrong number of segments, bad base64url, not JSON, not an object,
 * or a header member of the wrong type.
 *
 * @example
 * ```ts
 * expect(() => verifyJwt('a.b', keys, options)).toThrow(JwtInvalid);
 * ```
 */
export class JwtInvalid extends JoseError {
  static override readonly code = 'ERR_JWT_INVALID';
  override readonly code = 'ERR_JWT_INVALID';
}

/**
 * The signature does not verify with the key that the token's `kid` names.
 *
 * @example
 * ```ts
 * if (error instanceof JwsSignatureInvalid) metrics.increment('jwt.bad_signature');
 * ```
 */
export class JwsSignatureInvalid extends JoseError {
  static override readonly code = 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED';
  override readonly code = 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED';
}

/**
 * A claim is missing, has the wrong JSON type, or fails its check (`iss`, `aud`, `nbf`, `iat`,
 * header `typ`). {@link JwtClaimInvalid.claim} names it; {@link JwtClaimInvalid.reason} says how.
 *
 * @example
 * ```ts
 * if (error instanceof JwtClaimInvalid && error.claim === 'aud') log.info('token for another API');
 * ```
 */
export class JwtClaimInvalid extends JoseError {
  static override readonly code = 'ERR_JWT_CLAIM_VALIDATION_FAILED';
  override readonly code = 'ERR_JWT_CLAIM_VALIDATION_FAILED';
  /** The claim (or `'typ'` header member) that failed. */
  readonly claim: string;
  /** `'missing'`, `'invalid'` (wrong JSON type) or `'check_failed'` (wrong value). */
  readonly reason: 'missing' | 'invalid' | 'check_failed';

  constructor(
    message: string,
    claim: string,
    reason: 'missing' | 'invalid' | 'check_failed',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.claim = claim;
    this.reason = reason;
  }
}

/**
 * `exp` is at or before the current time (minus the clock tolerance). Like jose, this is not a
 * {@link JwtClaimInvalid}: callers often treat expiry (refresh and retry) differently.
 *
 * @example
 * ```ts
 * if (error instanceof JwtExpired) client.refresh();
 * ```
 */
export class JwtExpired extends JoseError {
  static override readonly code = 'ERR_JWT_EXPIRED';
  override readonly code = 'ERR_JWT_EXPIRED';
  /** Always `'exp'`. */
  readonly claim = 'exp';
  /** Always `'check_failed'`. */
  readonly reason = 'check_failed';
}

/**
 * No key with the token's `kid` is configured.
 *
 * @example
 * ```ts
 * if (error instanceof KeyNotFound) await jwks.reload();
 * ```
 */
export class KeyNotFound extends JoseError {
  static override readonly code = 'ERR_JWKS_NO_MATCHING_KEY';
  override readonly code = 'ERR_JWKS_NO_MATCHING_KEY';
}

/**
 * The header's `alg` is `none`, unknown, outside the allow-list, or not the algorithm bound to
 * the key that `kid` names.
 *
 * @example
 * ```ts
 * expect(() => verifyJwt(noneToken, keys, options)).toThrow(AlgorithmNotAllowed);
 * ```
 */
export class AlgorithmNotAllowed extends JoseError {
  static override readonly code = 'ERR_JOSE_ALG_NOT_ALLOWED';
  override readonly code = 'ERR_JOSE_ALG_NOT_ALLOWED';
}

/**
 * The token asks for something this verifier deliberately does not do: a `crit` extension,
 * an unencoded payload (`b64`), or a key carried or referenced by the token itself.
 *
 * @example
 * ```ts
 * expect(() => verifyJwt(tokenWithCrit, keys, options)).toThrow(NotSupported);
 * ```
 */
export class NotSupported extends JoseError {
  static override readonly code = 'ERR_JOSE_NOT_SUPPORTED';
  override readonly code = 'ERR_JOSE_NOT_SUPPORTED';
}

/**
 * The token is longer than `maxTokenLength`; refused before any parsing.
 *
 * @example
 * ```ts
 * expect(() => verifyJwt('a'.repeat(10_000), keys, options)).toThrow(TokenTooLarge);
 * ```
 */
export class TokenTooLarge extends JoseError {
  static override readonly code = 'ERR_JWT_TOO_LARGE';
  override readonly code = 'ERR_JWT_TOO_LARGE';
}

/**
 * Whether `value` is one of this module's token errors (as opposed to a `TypeError` from misuse).
 *
 * @example
 * ```ts
 * catch (error) { if (isJoseError(error)) return unauthorized(); throw error; }
 * ```
 */
export function isJoseError(value: unknown): value is JoseError {
  return value instanceof JoseError;
}

/**
 * The key set (or the discovery document that names it) could not be fetched: network error,
 * timeout, a status other than 200, or a body over the size cap. Tokens are not at fault; HTTP
 * adapters answer 503, not 401.
 *
 * @example
 * ```ts
 * if (error instanceof JwksUnavailable) reply(503, { error: 'temporarily_unavailable' });
 * ```
 */
export class JwksUnavailable extends JoseError {
  static override readonly code = 'ERR_JWKS_UNAVAILABLE';
  override readonly code = 'ERR_JWKS_UNAVAILABLE';
}

/**
 * The key set or the discovery document was fetched but is not acceptable: not JSON, the wrong
 * shape, or a discovery document whose `issuer` is not the configured one.
 *
 * @example
 * ```ts
 * if (error instanceof JwksInvalid) log.error({ code: error.code }, 'issuer misconfigured');
 * ```
 */
export class JwksInvalid extends JoseError {
  static override readonly code = 'ERR_JWKS_INVALID';
  override readonly code = 'ERR_JWKS_INVALID';
}
