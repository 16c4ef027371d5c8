/** decodeJwt (no verification, strict shape) and the error classes' contract. */
import { describe, expect, it } from 'vitest';
import {
  AlgorithmNotAllowed,
  decodeJwt,
  isJoseError,
  JoseError,
  JwsSignatureInvalid,
  JwtClaimInvalid,
  JwtExpired,
  JwtInvalid,
  KeyNotFound,
  NotSupported,
  signJwt,
  TokenTooLarge,
} from '../src/index.js';
import { b64, claims, forge, header, keyPair, NOW, outcome } from './helpers.js';

const pair = keyPair('ES256');

describe('decodeJwt', () => {
  it('returns header and claims without verifying anything', () => {
    const expired = signJwt(claims({ exp: NOW - 1 }), pair.signing);
    const [h, p] = expired.split('.');
    const unsigned = `${h}.${p}.${b64('not a signature')}`;
    for (const token of [expired, unsigned]) {
      expect(decodeJwt(token)).toEqual({
        header: { alg: 'ES256', typ: 'at+jwt', kid: pair.signing.kid },
        payload: claims({ exp: NOW - 1 }),
      });
    }
  });

  it('shows algorithms and members that verification would refuse', () => {
    const odd = forge(pair, { alg: 'RS512', jku: 'https://evil.test' });
    expect(decodeJwt(odd).header).toEqual({ alg: 'RS512', jku: 'https://evil.test' });
  });

  it('is still strict on shape', () => {
    const token = signJwt(claims(), pair.signing);
    const [h, p, s] = token.split('.') as [string, string, string];
    const cases = [
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `${h}.${p}.${s}==`,
      `${h}.${p}.`,
      `${h} .${p}.${s}`,
      forge(pair, '[1]'),
      forge(pair, header(pair), '"claims"'),
      forge(pair, header(pair, { alg: 7 })),
      forge(pair, header(pair), '{"__proto__":{"admin":true}}'),
      42 as unknown as string,
    ];
    for (const bad of cases) expect(outcome(() => decodeJwt(bad))).toBe('ERR_JWT_INVALID');
    expect(outcome(() => decodeJwt('a'.repeat(9000)))).toBe('ERR_JWT_TOO_LARGE');
  });
});

describe('errors', () => {
  const classes = [
    [JwtInvalid, 'ERR_JWT_INVALID'],
    [JwsSignatureInvalid, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
    [JwtExpired, 'ERR_JWT_EXPIRED'],
    [KeyNotFound, 'ERR_JWKS_NO_MATCHING_KEY'],
    [AlgorithmNotAllowed, 'ERR_JOSE_ALG_NOT_ALLOWED'],
    [NotSupported, 'ERR_JOSE_NOT_SUPPORTED'],
    [TokenTooLarge, 'ERR_JWT_TOO_LARGE'],
  ] as const;

  it.each(classes.map(([c, code]) => [c.name, c, code] as const))(
    '%s has a stable code, its class name and the cause',
    (name, Class, code) => {
      const cause = new Error('inner');
      const error = new Class('message', { cause });
      expect(error).toBeInstanceOf(JoseError);
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe(code);
      expect(Class.code).toBe(code);
      expect(error.name).toBe(name);
      expect(error.cause).toBe(cause);
      expect(isJoseError(error)).toBe(true);
    },
  );

  it('JwtClaimInvalid names the claim and the reason', () => {
    const error = new JwtClaimInvalid('m', 'aud', 'check_failed');
    expect(error).toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      name: 'JwtClaimInvalid',
      claim: 'aud',
      reason: 'check_failed',
    });
    expect(new JwtExpired('m')).toMatchObject({ claim: 'exp', reason: 'check_failed' });
    expect(new JwtExpired('m')).not.toBeInstanceOf(JwtClaimInvalid);
  });

  it('isJoseError tells token errors from programmer errors', () => {
    expect(isJoseError(new TypeError('x'))).toBe(false);
    expect(isJoseError({ code: 'ERR_JWT_INVALID' })).toBe(false);
    expect(isJoseError(undefined)).toBe(false);
  });
});
