/**
 * Validation of a verified token's claims (RFC 7519 §4.1, RFC 9068 §4) and of its `typ`.
 *
 * @module
 */
import { JwtClaimInvalid, JwtExpired } from '../errors.js';

/**
 * The verification options that the claim checks read (already validated).
 *
 * @example
 * ```ts
 * const rules: ClaimRules = { issuer: 'https://auth.example', audience: 'https://api.example' };
 * ```
 */
export interface ClaimRules {
  readonly issuer: string | readonly string[];
  readonly audience: string | readonly string[];
  readonly clockTolerance?: number;
  readonly requiredClaims?: readonly string[];
}

/**
 * The form in which two `typ` values are compared: RFC 7515 §4.1.9 says `typ` is a media type
 * without its `application/` prefix, compared case-insensitively (RFC 8725 §3.11). So `at+jwt`,
 * `AT+JWT` and `application/at+jwt` are one type. Same rule as jose.
 *
 * @example
 * ```ts
 * normalizeTyp('AT+JWT') === normalizeTyp('application/at+jwt'); // true
 * ```
 */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.includes('/') ? lower : `application/${lower}`;
}

function invalid(claim: string): JwtClaimInvalid {
  return new JwtClaimInvalid(`claim ${claim} has the wrong type`, claim, 'invalid');
}

function failed(claim: string): JwtClaimInvalid {
  return new JwtClaimInvalid(`claim ${claim} check failed`, claim, 'check_failed');
}

function missing(claim: string): JwtClaimInvalid {
  return new JwtClaimInvalid(`claim ${claim} is missing`, claim, 'missing');
}

function isAllowed(value: string, allowed: string | readonly string[]): boolean {
  return typeof allowed === 'string' ? value === allowed : allowed.includes(value);
}

/**
 * Throws {@link JwtClaimInvalid} (or {@link JwtExpired}) unless the claims pass every rule.
 * Only ever called on a payload whose signature has been verified.
 *
 * @example
 * ```ts
 * validateClaims(payload, { issuer, audience, requiredClaims: ['sub'] }, Date.now() / 1000);
 * ```
 */
export function validateClaims(
  payload: Record<string, unknown>,
  rules: ClaimRules,
  now: number,
): void {
  // Plain property reads are safe for these names: JSON.parse makes own members only and
  // Object.prototype has no iss/aud/exp. Arbitrary required names go through Object.hasOwn so
  // that `constructor` or `toString` do not count as present.
  const { iss, aud, exp, nbf, iat } = payload;
  if (iss === undefined) throw missing('iss');
  if (aud === undefined) throw missing('aud');
  if (exp === undefined) throw missing('exp');
  if (rules.requiredClaims !== undefined) {
    for (const claim of rules.requiredClaims) {
      if (!Object.hasOwn(payload, claim)) throw missing(claim);
    }
  }

  // `iss` is one string compared exactly: an array could otherwise smuggle several issuers.
  if (typeof iss !== 'string') throw invalid('iss');
  if (!isAllowed(iss, rules.issuer)) throw failed('iss');
  if (payload.sub !== undefined && typeof payload.sub !== 'string') throw invalid('sub');
  if (payload.jti !== undefined && typeof payload.jti !== 'string') throw invalid('jti');

  // RFC 7519 §4.1.3: a string or an array of strings; the token is for us if any entry is.
  if (typeof aud === 'string') {
    if (!isAllowed(aud, rules.audience)) throw failed('aud');
  } else if (Array.isArray(aud)) {
    let match = false;
    for (const entry of aud) {
      if (typeof entry !== 'string') throw invalid('aud');
      if (!match && isAllowed(entry, rules.audience)) match = true;
    }
    if (!match) throw failed('aud');
  } else {
    throw invalid('aud');
  }

  // JSON.parse('1e999') is Infinity: a token that never expires unless we insist on finite.
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw invalid('exp');
  if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf))) {
    throw invalid('nbf');
  }
  if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) {
    throw invalid('iat');
  }

  const tolerance = rules.clockTolerance ?? 0;
  if (nbf !== undefined && nbf > now + tolerance) throw failed('nbf');
  // A token issued in the future was minted by a skewed or compromised clock; it would also
  // outlive its stated lifetime.
  if (iat !== undefined && iat > now + tolerance) throw failed('iat');
  // RFC 7519 §4.1.4: must not be accepted "on or after" exp.
  if (exp <= now - tolerance) throw new JwtExpired('token is expired');
}
