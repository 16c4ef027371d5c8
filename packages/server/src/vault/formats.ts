import { InvalidRequest } from '../errors.js';
import { BASE62, DIGITS, LOWER_ALNUM, randomFrom, UPPER } from './random.js';

export const VAULT_TYPES = ['card', 'pan_in', 'ssn', 'phone', 'email', 'text'] as const;
export type VaultType = (typeof VAULT_TYPES)[number];

export interface FormatOptions {
  /** Cards only: which digits the token keeps. */
  preserve: 'last4' | 'first6_last4';
  /** Cards only: whether the token passes the Luhn check. */
  luhn: boolean;
}

/**
 * One value type of the vault (SPEC §2.3). Every function that sees a value throws
 * `InvalidRequest` naming the *field*, never quoting the value.
 */
export interface Format {
  /** Validates; returns the canonical form that is stored, compared and returned. */
  normalize(value: string, field: string): string;
  /** A random token of the format for `value` (the caller retries on a collision). */
  token(value: string, options: FormatOptions): string;
  /** How many distinct tokens `token()` can produce for `value`. */
  space(value: string, options: FormatOptions): number;
  mask(value: string): string;
}

/** Below this many possible tokens a format is refused: collisions would dominate. */
export const MIN_TOKEN_SPACE = 10_000;
/** `text` values: up to 64 KiB of UTF-8. */
export const TEXT_MAX_BYTES = 64 * 1024;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const card: Format = {
  normalize(value, field) {
    const digits = value.replace(/[\s-]/g, '');
    if (!/^\d{12,19}$/.test(digits)) {
      throw new InvalidRequest(`${field}: a card number has 12 to 19 digits.`);
    }
    if (!luhnValid(digits))
      throw new InvalidRequest(`${field}: the card number fails the Luhn check.`);
    return digits;
  },
  token(value, { preserve, luhn }) {
    const head = preserve === 'first6_last4' ? value.slice(0, 6) : '';
    const tail = value.slice(-4);
    const free = value.length - head.length - tail.length;
    // About 1 in 10 random fillers passes Luhn: a few tries settle it.
    for (;;) {
      const candidate = head + randomFrom(DIGITS, free) + tail;
      if (luhnValid(candidate) === luhn && candidate !== value) return candidate;
    }
  },
  space(value, { preserve, luhn }) {
    const free = value.length - 4 - (preserve === 'first6_last4' ? 6 : 0);
    return 10 ** free * (luhn ? 0.1 : 0.9);
  },
  mask: (value) => '*'.repeat(value.length - 4) + value.slice(-4),
};

// Holder types of the 4th letter: person, company, HUF, firm, AOP, trust, BOI, local
// authority, artificial juridical person, government.
const PAN = /^[A-Z]{3}[PCHFATBLJG][A-Z]\d{4}[A-Z]$/;

const panIn: Format = {
  normalize(value, field) {
    const pan = value.trim().toUpperCase();
    if (!PAN.test(pan)) {
      throw new InvalidRequest(
        `${field}: an Indian PAN has the form AAAAA9999A (4th letter a holder type).`,
      );
    }
    return pan;
  },
  token(value) {
    for (;;) {
      const candidate = `${randomFrom(UPPER, 3)}${value[3]}${randomFrom(UPPER, 1)}${randomFrom(DIGITS, 4)}${randomFrom(UPPER, 1)}`;
      if (candidate !== value) return candidate;
    }
  },
  space: () => 26 ** 5 * 10 ** 4,
  mask: (value) => `*****${value.slice(5, 9)}*`,
};

const ssn: Format = {
  normalize(value, field) {
    const m = /^(\d{3})-?(\d{2})-?(\d{4})$/.exec(value.trim());
    if (!m) throw new InvalidRequest(`${field}: an SSN has the form 123-45-6789.`);
    const [, area, group, serial] = m as unknown as [string, string, string, string];
    // Never issued: area 000, 666 or 900–999, group 00, serial 0000.
    if (
      area === '000' ||
      area === '666' ||
      area.startsWith('9') ||
      group === '00' ||
      serial === '0000'
    ) {
      throw new InvalidRequest(
        `${field}: not a valid SSN (that area, group or serial is never issued).`,
      );
    }
    return `${area}-${group}-${serial}`;
  },
  // Area 900–999 is never issued, so a token can never be someone's real SSN.
  token: (value) => `9${randomFrom(DIGITS, 2)}-${randomFrom(DIGITS, 2)}-${value.slice(-4)}`,
  space: () => 10_000,
  mask: (value) => `***-**-${value.slice(-4)}`,
};

// ITU-T E.164 country codes: 1 and 7 are one digit; these are two; all others three.
const TWO_DIGIT_CODES = new Set(
  '20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98'.split(
    ' ',
  ),
);

/** Length of the country code of an E.164 number (`+` then digits). */
export function countryCodeLength(e164: string): number {
  if (e164[1] === '1' || e164[1] === '7') return 1;
  return TWO_DIGIT_CODES.has(e164.slice(1, 3)) ? 2 : 3;
}

const phone: Format = {
  normalize(value, field) {
    const compact = value.replace(/[\s().-]/g, '');
    // E.164: a country code that does not start with 0, at most 15 digits in all.
    if (!/^\+[1-9]\d{6,14}$/.test(compact)) {
      throw new InvalidRequest(
        `${field}: a phone number must be in E.164 form (+ and 7 to 15 digits).`,
      );
    }
    if (compact.length - 1 - countryCodeLength(compact) < 4) {
      throw new InvalidRequest(`${field}: the phone number is too short for its country code.`);
    }
    return compact;
  },
  token(value) {
    const cc = 1 + countryCodeLength(value);
    for (;;) {
      const candidate =
        value.slice(0, cc) + randomFrom(DIGITS, value.length - cc - 2) + value.slice(-2);
      if (candidate !== value) return candidate;
    }
  },
  space: (value) => 10 ** (value.length - 1 - countryCodeLength(value) - 2),
  mask: (value) => maskPhone(value),
};

/** `+91********10`: country code and last 2 digits. Works on a phone token too (same shape). */
export function maskPhone(e164: string): string {
  const cc = 1 + countryCodeLength(e164);
  return e164.slice(0, cc) + '*'.repeat(Math.max(0, e164.length - cc - 2)) + e164.slice(-2);
}

// Deliberately plain (as for accounts): a local part and a dotted domain, no spaces.
const EMAIL = /^([^\s@]{1,64})@([^\s@.]+(\.[^\s@.]+)+)$/u;

const email: Format = {
  normalize(value, field) {
    const trimmed = value.normalize('NFKC').trim();
    const m = EMAIL.exec(trimmed);
    if (!m || trimmed.length > 254) throw new InvalidRequest(`${field}: must be an email address.`);
    // Domains are case-insensitive; local parts are the mailbox's business, but every
    // mainstream provider folds them too, and a deterministic token should match.
    return trimmed.toLowerCase();
  },
  token: (value) => `${randomFrom(LOWER_ALNUM, 16)}@${value.slice(value.lastIndexOf('@') + 1)}`,
  space: () => 36 ** 16,
  mask: (value) => `${[...value][0]}***${value.slice(value.lastIndexOf('@'))}`,
};

const text: Format = {
  normalize(value, field) {
    if (value.length === 0) throw new InvalidRequest(`${field}: must not be empty.`);
    if (Buffer.byteLength(value, 'utf8') > TEXT_MAX_BYTES) {
      throw new InvalidRequest(`${field}: text values are limited to 64 KiB of UTF-8.`);
    }
    return value;
  },
  // 22 base62 characters: 131 random bits.
  token: () => `tok_${randomFrom(BASE62, 22)}`,
  space: () => 62 ** 22,
  mask: () => '[redacted]',
};

export const FORMATS: Readonly<Record<VaultType, Format>> = {
  card,
  pan_in: panIn,
  ssn,
  phone,
  email,
  text,
};
