import { createHash, randomBytes } from 'node:crypto';

/**
 * Refresh tokens are 256 CSPRNG bits, base64url: opaque, never derived from
 * anything. Only their SHA-256 is stored, and lookups go by that hash, so a
 * database leak yields no usable token and lookup timing says nothing about
 * the token (the attacker does not control the hash being compared).
 */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** Shape check before any database work: 43 base64url characters. */
export function looksLikeRefreshToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}
