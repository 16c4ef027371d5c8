import type { JsonWebKey } from 'node:crypto';
import {
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { type Algorithm, importJwk, type JwtKey, publicJwk } from '@tessera/verify';
import { calculateJwkThumbprint } from 'jose';

/** A signing key in memory: the private (or secret) half, and what gets published. */
export interface KeyMaterial {
  kid: string;
  alg: Algorithm;
  privateKey: KeyObject;
  /** Public JWK with kid/alg/use; null for HS256, whose secret is never published. */
  publicJwk: (JsonWebKey & { kid: string }) | null;
}

/** A fresh key for `alg`. RSA keys are 2048-bit (RFC 7518 §3.3 minimum; NIST through 2030). */
export async function generateKey(alg: Algorithm): Promise<KeyMaterial> {
  switch (alg) {
    case 'ES256':
      return fromPrivate(alg, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    case 'EdDSA':
      return fromPrivate(alg, generateKeyPairSync('ed25519').privateKey);
    case 'RS256':
    case 'PS256':
      return fromPrivate(alg, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    case 'HS256':
      // A random kid: a thumbprint of a symmetric key would be a hash of the secret.
      return {
        kid: randomBytes(16).toString('base64url'),
        alg,
        privateKey: createSecretKey(randomBytes(32)),
        publicJwk: null,
      };
  }
}

/**
 * Builds key material from a private JWK (for `keys import`). The kid is the
 * RFC 7638 thumbprint unless the JWK names one; the JWK's own `alg`, when
 * present, must agree with the one asked for.
 */
export async function fromJwk(
  jwk: JsonWebKey & { kid?: unknown; alg?: unknown },
  alg: Algorithm,
): Promise<KeyMaterial> {
  if (jwk.alg !== undefined && jwk.alg !== alg) {
    throw new Error(`the JWK is for ${String(jwk.alg)}, not ${alg}`);
  }
  const isSecret = jwk.kty === 'oct';
  if (!isSecret && typeof jwk.d !== 'string') throw new Error('the JWK has no private part ("d")');
  const key = importJwk(jwk, alg);
  const kid =
    typeof jwk.kid === 'string' && /^[A-Za-z0-9._-]{1,128}$/.test(jwk.kid) ? jwk.kid : undefined;
  if (isSecret)
    return {
      kid: kid ?? randomBytes(16).toString('base64url'),
      alg,
      privateKey: key,
      publicJwk: null,
    };
  return fromPrivate(alg, key, kid);
}

async function fromPrivate(
  alg: Algorithm,
  privateKey: KeyObject,
  kid?: string,
): Promise<KeyMaterial> {
  const publicKey = createPublicKey(privateKey);
  const thumbprint = await calculateJwkThumbprint(publicKey.export({ format: 'jwk' }));
  const id = kid ?? thumbprint;
  return { kid: id, alg, privateKey, publicJwk: publicJwk({ kid: id, alg, key: publicKey }) };
}

/** The private half as JSON, for sealing at rest. */
export function exportPrivate(material: KeyMaterial): Buffer {
  const jwk =
    material.privateKey.type === 'secret'
      ? { kty: 'oct', k: material.privateKey.export().toString('base64url') }
      : material.privateKey.export({ format: 'jwk' });
  return Buffer.from(JSON.stringify(jwk), 'utf8');
}

/** What `verifyJwt` needs for this key: the public half, or the secret for HS256. */
export function verificationKey(material: KeyMaterial): JwtKey {
  const key =
    material.privateKey.type === 'secret'
      ? material.privateKey
      : createPublicKey(material.privateKey);
  return { kid: material.kid, alg: material.alg, key };
}
