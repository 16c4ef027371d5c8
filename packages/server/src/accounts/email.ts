import { InvalidRequest } from '../errors.js';

// Deliberately plain: a local part and a dotted domain, no spaces, within RFC 5321's lengths.
// Delivery is the only real test of an address; this catches typos and junk. Control and
// format characters (NUL, U+200B zero-width space, U+202E…) are refused: they render as
// nothing, so `ada@example.com\u200b` registered a twin that looks exactly like ada's
// address (test/security/regressions.test.ts).
const EMAIL = /^[^\s@\p{Cc}\p{Cf}]{1,64}@[^\s@.\p{Cc}\p{Cf}]+(\.[^\s@.\p{Cc}\p{Cf}]+)+$/u;

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
