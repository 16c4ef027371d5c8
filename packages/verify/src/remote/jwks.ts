/**
 * Turning a fetched JWK Set (RFC 7517 §5) into verification keys, each bound to one algorithm.
 *
 * @module
 */
import type { JsonWebKey } from 'node:crypto';
import { JwksInvalid } from '../errors.js';
import { importJwk, type JwtKey } from '../keys.js';
import { type Algorithm, isAlgorithm } from '../lib/algorithms.js';

/**
 * A JWKS with more keys than this is not a signing-key set; refusing it bounds the work.
 *
 * @example
 * ```ts
 * if (document.keys.length > MAX_JWKS_KEYS) throw new JwksInvalid('too many keys');
 * ```
 */
export const MAX_JWKS_KEYS = 100;

/** The public members of each key type: anything else (`d`, `p`, `k`…) is never imported. */
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
  RSA: ['kty', 'n', 'e'],
};

/**
 * A parsed key set: keys by kid, and a fingerprint per kid to notice a kid that changed key.
 *
 * @example
 * ```ts
 * const { keys, skipped }: ParsedJwks = parseJwks(document, ['ES256']);
 * ```
 */
export interface ParsedJwks {
  readonly keys: ReadonlyMap<string, JwtKey>;
  readonly fingerprints: ReadonlyMap<string, string>;
  /** How many entries were skipped (wrong use or alg, symmetric, unusable, duplicate kid). */
  readonly skipped: number;
}

/**
 * Parses a JWKS document. Throws {@link JwksInvalid} when it is not `{ keys: [...] }`. Individual
 * keys are skipped, not fatal, unless they are all of: an object with a non-empty `kid`; `use`
 * absent or `sig`; `key_ops` absent or including `verify`; not `oct` (a symmetric key is never
 * published, so one here is a mistake or an attack); an `alg` in `algorithms` (or, without `alg`,
 * one the key type implies unambiguously: P-256 → ES256, Ed25519 → EdDSA; an RSA key without `alg`
 * could be RS256 or PS256 and is skipped); importable as that algorithm's public key. Two entries
 * with one `kid` make that `kid` ambiguous and both are dropped.
 *
 * @example
 * ```ts
 * const { keys } = parseJwks(await (await fetch(jwksUri)).json(), ['ES256', 'EdDSA']);
 * verifyJwt(token, keys, { issuer, audience });
 * ```
 */
export function parseJwks(document: unknown, algorithms: readonly Algorithm[]): ParsedJwks {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new JwksInvalid('the JWKS is not a JSON object');
  }
  const list: unknown = (document as { keys?: unknown }).keys;
  if (!Array.isArray(list)) throw new JwksInvalid('the JWKS has no keys array');
  if (list.length > MAX_JWKS_KEYS) throw new JwksInvalid('the JWKS has too many keys');

  const keys = new Map<string, JwtKey>();
  const fingerprints = new Map<string, string>();
  const ambiguous = new Set<string>();
  let skipped = 0;
  for (const entry of list) {
    const parsed = parseKey(entry, algorithms);
    if (parsed === undefined) {
      skipped++;
      continue;
    }
    const { key, fingerprint } = parsed;
    if (keys.has(key.kid) || ambiguous.has(key.kid)) {
      // jose's JWKSMultipleMatchingKeys: with two candidates a token could pick the weaker one.
      ambiguous.add(key.kid);
      keys.delete(key.kid);
      fingerprints.delete(key.kid);
      skipped += 2;
      continue;
    }
    keys.set(key.kid, key);
    fingerprints.set(key.kid, fingerprint);
  }
  return { keys, fingerprints, skipped };
}

function parseKey(
  entry: unknown,
  algorithms: readonly Algorithm[],
): { key: JwtKey; fingerprint: string } | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return undefined;
  const jwk = entry as Record<string, unknown>;
  const { kid, use, key_ops: keyOps, kty } = jwk;
  if (typeof kid !== 'string' || kid === '') return undefined;
  if (use !== undefined && use !== 'sig') return undefined;
  if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes('verify'))) {
    return undefined;
  }
  if (typeof kty !== 'string') return undefined;
  const members = PUBLIC_MEMBERS[kty];
  // `oct` (HS256) and unknown key types land here.
  if (members === undefined || !Object.hasOwn(PUBLIC_MEMBERS, kty)) return undefined;
  const alg = algorithmOf(jwk);
  if (alg === undefined || alg === 'HS256' || !algorithms.includes(alg)) return undefined;

  const publicPart: Record<string, unknown> = {};
  for (const name of members) publicPart[name] = jwk[name];
  try {
    const key = importJwk(publicPart as JsonWebKey, alg);
    return { key: { kid, alg, key }, fingerprint: `${alg}:${JSON.stringify(publicPart)}` };
  } catch {
    // Wrong curve for the alg, RSA under 2048 bits, garbage coordinates: not a key we can use.
    return undefined;
  }
}

function algorithmOf(jwk: Record<string, unknown>): Algorithm | undefined {
  const { alg, kty, crv } = jwk;
  if (alg !== undefined) return isAlgorithm(alg) ? alg : undefined;
  if (kty === 'EC' && crv === 'P-256') return 'ES256';
  if (kty === 'OKP' && crv === 'Ed25519') return 'EdDSA';
  return undefined;
}
