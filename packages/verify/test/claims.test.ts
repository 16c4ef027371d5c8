/**
 * Claim validation on a frozen clock (`currentTime`): every edge of exp, nbf and iat, with and
 * without tolerance, and the JSON type of every registered claim.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  JwtClaimInvalid,
  JwtExpired,
  signJwt,
  type VerifyOptions,
  verifyJwt,
} from '../src/index.js';
import {
  AUDIENCE,
  claims,
  forge,
  header,
  ISSUER,
  keyPair,
  NOW,
  options,
  outcome,
} from './helpers.js';

const pair = keyPair('EdDSA');

function verify(payload: Record<string, unknown> | string, extra: Partial<VerifyOptions> = {}) {
  return outcome(() => verifyJwt(forge(pair, header(pair), payload), pair.keys, options(extra)));
}

/** The claim and reason of the JwtClaimInvalid (or JwtExpired) that verification throws. */
function failure(payload: Record<string, unknown> | string, extra: Partial<VerifyOptions> = {}) {
  try {
    verifyJwt(forge(pair, header(pair), payload), pair.keys, options(extra));
  } catch (error) {
    if (error instanceof JwtClaimInvalid || error instanceof JwtExpired) {
      return { code: error.code, claim: error.claim, reason: error.reason };
    }
    throw error;
  }
  return undefined;
}

describe('exp', () => {
  it('is required', () => {
    const { exp, ...rest } = claims();
    void exp;
    expect(failure(rest)).toEqual({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      claim: 'exp',
      reason: 'missing',
    });
  });

  it('is expired exactly at exp (RFC 7519 §4.1.4: "on or after")', () => {
    expect(failure(claims({ exp: NOW }))).toEqual({
      code: 'ERR_JWT_EXPIRED',
      claim: 'exp',
      reason: 'check_failed',
    });
    expect(verify(claims({ exp: NOW - 1 }))).toBe('ERR_JWT_EXPIRED');
    expect(verify(claims({ exp: NOW + 1 }))).toBe('accepted');
  });

  it('is judged against fractional time too', () => {
    expect(verify(claims({ exp: NOW + 1 }), { currentTime: NOW + 0.999 })).toBe('accepted');
    expect(verify(claims({ exp: NOW + 1 }), { currentTime: NOW + 1 })).toBe('ERR_JWT_EXPIRED');
  });

  it('gets at most clockTolerance seconds of grace', () => {
    expect(verify(claims({ exp: NOW - 29 }), { clockTolerance: 30 })).toBe('accepted');
    expect(verify(claims({ exp: NOW - 30 }), { clockTolerance: 30 })).toBe('ERR_JWT_EXPIRED');
    expect(verify(claims({ exp: NOW - 59 }), { clockTolerance: 60 })).toBe('accepted');
  });

  it('must be a finite number', () => {
    const text = JSON.stringify(claims()).replace(`"exp":${NOW + 900}`, '"exp":1e999');
    expect(JSON.parse(text).exp).toBe(Number.POSITIVE_INFINITY);
    expect(failure(text)).toMatchObject({ claim: 'exp', reason: 'invalid' });
    for (const exp of [String(NOW + 900), null, true, [NOW + 900], { at: NOW + 900 }]) {
      expect(failure(claims({ exp })), JSON.stringify(exp)).toMatchObject({
        claim: 'exp',
        reason: 'invalid',
      });
    }
  });

  it('uses the real clock when no currentTime is given', () => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW * 1000);
    const token = signJwt(claims({ exp: NOW + 10 }), pair.signing);
    const real = { issuer: ISSUER, audience: AUDIENCE };
    expect(outcome(() => verifyJwt(token, pair.keys, real))).toBe('accepted');
    vi.setSystemTime((NOW + 10) * 1000);
    expect(outcome(() => verifyJwt(token, pair.keys, real))).toBe('ERR_JWT_EXPIRED');
  });

  afterEach(() => {
    vi.useRealTimers();
  });
});

describe('nbf', () => {
  it('is accepted from exactly nbf on', () => {
    expect(verify(claims({ nbf: NOW }))).toBe('accepted');
    expect(failure(claims({ nbf: NOW + 1 }))).toEqual({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      claim: 'nbf',
      reason: 'check_failed',
    });
  });

  it('gets at most clockTolerance seconds of grace', () => {
    expect(verify(claims({ nbf: NOW + 10 }), { clockTolerance: 10 })).toBe('accepted');
    expect(verify(claims({ nbf: NOW + 11 }), { clockTolerance: 10 })).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    );
  });

  it('must be a finite number when present', () => {
    for (const nbf of [String(NOW), null, [NOW]]) {
      expect(failure(claims({ nbf }))).toMatchObject({ claim: 'nbf', reason: 'invalid' });
    }
    const text = JSON.stringify(claims({ nbf: 0 })).replace('"nbf":0', '"nbf":-1e999');
    expect(failure(text)).toMatchObject({ claim: 'nbf', reason: 'invalid' });
  });
});

describe('iat', () => {
  it('may not be in the future beyond the tolerance (a skewed or forged issuer clock)', () => {
    expect(verify(claims({ iat: NOW }))).toBe('accepted');
    expect(failure(claims({ iat: NOW + 1 }))).toMatchObject({
      claim: 'iat',
      reason: 'check_failed',
    });
    expect(verify(claims({ iat: NOW + 5 }), { clockTolerance: 5 })).toBe('accepted');
    expect(verify(claims({ iat: NOW + 6 }), { clockTolerance: 5 })).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    );
  });

  it('is optional, but a number when present', () => {
    const { iat, ...rest } = claims();
    void iat;
    expect(verify(rest)).toBe('accepted');
    expect(failure(claims({ iat: 'yesterday' }))).toMatchObject({
      claim: 'iat',
      reason: 'invalid',
    });
  });
});

describe('iss', () => {
  it('must equal the issuer exactly', () => {
    for (const iss of [`${ISSUER}/`, ISSUER.toUpperCase(), 'https://evil.test', '']) {
      expect(failure(claims({ iss }))).toMatchObject({ claim: 'iss', reason: 'check_failed' });
    }
  });

  it('may be any one of several allowed issuers', () => {
    const issuer = ['https://old.tessera.test', ISSUER];
    expect(verify(claims(), { issuer })).toBe('accepted');
    expect(verify(claims({ iss: 'https://old.tessera.test' }), { issuer })).toBe('accepted');
    expect(verify(claims({ iss: 'https://x.test' }), { issuer })).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    );
  });

  it('is required and must be a string, never an array', () => {
    const { iss, ...rest } = claims();
    void iss;
    expect(failure(rest)).toMatchObject({ claim: 'iss', reason: 'missing' });
    expect(failure(claims({ iss: [ISSUER] }))).toMatchObject({ claim: 'iss', reason: 'invalid' });
    expect(failure(claims({ iss: null }))).toMatchObject({ claim: 'iss', reason: 'invalid' });
  });
});

describe('aud', () => {
  it('accepts a matching string or an array containing an allowed audience', () => {
    expect(verify(claims({ aud: AUDIENCE }))).toBe('accepted');
    expect(verify(claims({ aud: ['https://other.test', AUDIENCE] }))).toBe('accepted');
    expect(
      verify(claims({ aud: 'https://b.test' }), { audience: ['https://a.test', 'https://b.test'] }),
    ).toBe('accepted');
  });

  it('refuses a token meant for another API', () => {
    for (const aud of ['https://other.test', ['https://other.test'], [], `${AUDIENCE} `]) {
      expect(failure(claims({ aud }))).toMatchObject({ claim: 'aud', reason: 'check_failed' });
    }
  });

  it('is required and must be a string or an array of strings', () => {
    const { aud, ...rest } = claims();
    void aud;
    expect(failure(rest)).toMatchObject({ claim: 'aud', reason: 'missing' });
    for (const bad of [1, null, { aud: AUDIENCE }, [AUDIENCE, 1], [[AUDIENCE]]]) {
      expect(failure(claims({ aud: bad })), JSON.stringify(bad)).toMatchObject({
        claim: 'aud',
        reason: 'invalid',
      });
    }
  });
});

describe('other registered claims', () => {
  it('requires sub and jti to be strings when present', () => {
    expect(failure(claims({ sub: 42 }))).toMatchObject({ claim: 'sub', reason: 'invalid' });
    expect(failure(claims({ jti: ['a'] }))).toMatchObject({ claim: 'jti', reason: 'invalid' });
  });

  it('enforces requiredClaims by own presence only', () => {
    expect(verify(claims(), { requiredClaims: ['sub', 'scope'] })).toBe('accepted');
    const { sub, ...rest } = claims();
    void sub;
    expect(failure(rest, { requiredClaims: ['sub'] })).toMatchObject({
      claim: 'sub',
      reason: 'missing',
    });
    // Inherited members of Object.prototype do not count as present.
    expect(failure(claims(), { requiredClaims: ['toString'] })).toMatchObject({
      claim: 'toString',
      reason: 'missing',
    });
  });

  it('returns the claims, typed as asked', () => {
    const token = signJwt(claims({ scope: 'profile' }), pair.signing);
    const { header: h, payload } = verifyJwt<{ scope: string }>(token, pair.keys, options());
    expect(payload.scope).toBe('profile');
    expect(h).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: pair.signing.kid });
  });
});

describe('options are programmer input: misuse is a TypeError', () => {
  const token = signJwt(claims(), pair.signing);
  const bad: [string, unknown][] = [
    ['no options', undefined],
    ['empty issuer', { issuer: '', audience: AUDIENCE }],
    ['empty issuer list', { issuer: [], audience: AUDIENCE }],
    ['missing audience', { issuer: ISSUER }],
    ['audience list with a number', { issuer: ISSUER, audience: [AUDIENCE, 1] }],
    ['clockTolerance over 60', { issuer: ISSUER, audience: AUDIENCE, clockTolerance: 61 }],
    ['negative clockTolerance', { issuer: ISSUER, audience: AUDIENCE, clockTolerance: -1 }],
    ['NaN clockTolerance', { issuer: ISSUER, audience: AUDIENCE, clockTolerance: Number.NaN }],
    ['string clockTolerance', { issuer: ISSUER, audience: AUDIENCE, clockTolerance: '5s' }],
    ['NaN currentTime', { issuer: ISSUER, audience: AUDIENCE, currentTime: Number.NaN }],
    ['zero maxTokenLength', { issuer: ISSUER, audience: AUDIENCE, maxTokenLength: 0 }],
    ['unknown algorithm', { issuer: ISSUER, audience: AUDIENCE, algorithms: ['none'] }],
    ['empty typ', { issuer: ISSUER, audience: AUDIENCE, typ: '' }],
    ['requiredClaims not strings', { issuer: ISSUER, audience: AUDIENCE, requiredClaims: [1] }],
  ];
  it.each(bad)('%s', (_, value) => {
    expect(() => verifyJwt(token, pair.keys, value as VerifyOptions)).toThrow(TypeError);
  });

  it('keys that are neither a Map nor a function', () => {
    expect(() => verifyJwt(token, {} as never, options())).toThrow(TypeError);
  });

  it('a key lookup that returns something that is not a JwtKey', () => {
    expect(() => verifyJwt(token, () => ({}) as never, options())).toThrow(TypeError);
  });
});
