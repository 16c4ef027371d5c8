/** Shared fixtures: one key pair per algorithm, a frozen clock, and a token forger. */
import { createSecretKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import type { Algorithm, JwtClaims, JwtKey, VerifyOptions } from '../src/index.js';
import { signBytes } from '../src/lib/algorithms.js';

export const ISSUER = 'https://auth.tessera.test';
export const AUDIENCE = 'https://api.tessera.test';
/** The frozen "now" of every test, seconds since the epoch. */
export const NOW = 1_750_000_000;

export interface KeyPair {
  readonly alg: Algorithm;
  readonly signing: JwtKey;
  readonly verifying: JwtKey;
  readonly keys: ReadonlyMap<string, JwtKey>;
}

function generate(alg: Algorithm): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (alg) {
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
    case 'RS256':
    case 'PS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'HS256': {
      const secret = createSecretKey(randomBytes(32));
      return { privateKey: secret, publicKey: secret };
    }
  }
}

const pairs = new Map<string, KeyPair>();

/** A key pair for `alg`, made once per test file and `kid`. */
export function keyPair(alg: Algorithm, kid = `${alg}-key-1`): KeyPair {
  const known = pairs.get(`${alg}/${kid}`);
  if (known !== undefined) return known;
  const { privateKey, publicKey } = generate(alg);
  const verifying: JwtKey = { kid, alg, key: publicKey };
  const pair: KeyPair = {
    alg,
    signing: { kid, alg, key: privateKey },
    verifying,
    keys: new Map([[kid, verifying]]),
  };
  pairs.set(`${alg}/${kid}`, pair);
  return pair;
}

/**
 * Valid access-token claims at {@link NOW}, with `overrides` applied; overrides may be of any
 * JSON type (tests feed wrong types on purpose), and `undefined` removes a claim.
 */
export function claims(overrides: Record<string, unknown> = {}): JwtClaims {
  const merged: Record<string, unknown> = {
    iss: ISSUER,
    sub: 'user-1',
    aud: AUDIENCE,
    exp: NOW + 900,
    iat: NOW,
    jti: 'token-1',
    scope: 'profile vault',
    ...overrides,
  };
  for (const [name, value] of Object.entries(merged)) {
    if (value === undefined) delete merged[name];
  }
  return merged as JwtClaims;
}

/** Verification options with the frozen clock. */
export function options(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return { issuer: ISSUER, audience: AUDIENCE, currentTime: NOW, ...overrides };
}

export function b64(value: string | Uint8Array): string {
  return Buffer.from(value).toString('base64url');
}

/**
 * A token with exactly this header and payload (objects are JSON-serialized, strings used as the
 * raw JSON text), correctly signed with `pair`'s key whatever the header says: each test then
 * isolates the one check it is about.
 */
export function forge(
  pair: KeyPair,
  header: Record<string, unknown> | string,
  payload: Record<string, unknown> | string = claims(),
): string {
  const h = b64(typeof header === 'string' ? header : JSON.stringify(header));
  const p = b64(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const signature = signBytes(pair.alg, pair.signing.key, `${h}.${p}`);
  return `${h}.${p}.${b64(signature)}`;
}

/** The standard header of a token signed with `pair`. */
export function header(
  pair: KeyPair,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { alg: pair.alg, typ: 'at+jwt', kid: pair.signing.kid, ...extra };
}

/** The `code` of what `action` throws, or `'accepted'`. Throws if it throws a non-coded error. */
export function outcome(action: () => unknown): string {
  try {
    action();
    return 'accepted';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') throw error;
    return code;
  }
}

/** Replaces the character at `index` of `token`. */
export function replaceAt(token: string, index: number, char: string): string {
  return `${token.slice(0, index)}${char}${token.slice(index + 1)}`;
}
