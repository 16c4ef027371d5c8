import { InvalidRequest } from '../errors.js';

// Deliberately plain: a local part and a dotted domain, no spaces, within RFC 5321's lengths.
// Delivery is the only real test of an address; this catches typos and junk.
const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/u;

/**
 * Emails compare case-insensitively after trimming (SPEC §2.1). NFKC first, so
 * full-width and other compatibility look-alikes (`ａｄａ@…`) fold onto the
 * address they imitate instead of registering a second account.
 *
 * @example normalizeEmail('  Ada@Example.COM ') // 'ada@example.com'
 */
export function normalizeEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

/** Normalizes and validates an address given at registration. */
export function parseEmail(email: string): string {
  const normalized = normalizeEmail(email);
  if (normalized.length > 254 || !EMAIL.test(normalized)) {
    throw new InvalidRequest('email: must be an email address.');
  }
  return normalized;
}
