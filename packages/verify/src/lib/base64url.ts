/**
 * Strict base64url (RFC 4648 §5 without padding, as RFC 7515 §2 requires).
 *
 * Node's `Buffer.from(s, 'base64url')` is lenient, and every leniency gives one byte string
 * several spellings: malleable signatures defeat replay caches and deny-lists keyed on the token
 * text. It reads `+` and `/` like `-` and `_`; reads a character above U+00FF as its low byte;
 * skips any other character outside the alphabet (whitespace, `!`, non-ASCII); stops at `=`; and
 * ignores the unused low bits of the last character. A text is canonical exactly when none of
 * that happened, which two cheap checks establish without a second pass over the text:
 *
 * 1. {@link hasForeignDigits}: no `+`, `/` or non-ASCII character (the leniencies that do not
 *    lose a byte);
 * 2. {@link isCanonicalDecode}: the decoder produced exactly `⌊3n/4⌋` bytes from `n` characters
 *    (a skipped character or an `=` always costs a byte), `n mod 4 ≠ 1`, and the last character's
 *    unused bits are zero.
 *
 * The tests check this against the definition (decode, re-encode, compare) on random texts.
 *
 * @module
 */

/** Value of each base64url character, -1 for anything else. */
const VALUES = new Int8Array(128).fill(-1);
for (const [index, char] of [
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
].entries()) {
  VALUES[char.charCodeAt(0)] = index;
}

/**
 * Whether `text` holds a character that Node's decoder reads as a digit although canonical
 * base64url never contains it: `+`, `/`, or anything outside ASCII. Run once over a whole token.
 *
 * @example
 * ```ts
 * hasForeignDigits('ab+c'); // true
 * hasForeignDigits('ab-c.de_f'); // false
 * ```
 */
export function hasForeignDigits(text: string): boolean {
  return (
    text.includes('+') || text.includes('/') || Buffer.byteLength(text, 'utf8') !== text.length
  );
}

/**
 * Whether decoding `text.slice(start, end)` (free of {@link hasForeignDigits}) to `decoded`
 * bytes shows it to be canonical: no character skipped, no `=`, a length that is not 1 mod 4,
 * and zero unused bits in the last character (otherwise `…Q` and `…R` would both be valid).
 *
 * @example
 * ```ts
 * isCanonicalDecode('_w', 0, 2, Buffer.from('_w', 'base64url').length); // true
 * isCanonicalDecode('_x', 0, 2, Buffer.from('_x', 'base64url').length); // false
 * ```
 */
export function isCanonicalDecode(text: string, start: number, end: number, decoded: number) {
  const length = end - start;
  const remainder = length & 3;
  if (remainder === 1 || decoded !== (length * 3) >> 2) return false;
  if (remainder === 0) return true;
  const last = VALUES[text.charCodeAt(end - 1)] ?? -1;
  return last >= 0 && (last & (remainder === 2 ? 0x0f : 0x03)) === 0;
}

/**
 * Decodes canonical unpadded base64url; throws `TypeError` on anything else.
 *
 * @example
 * ```ts
 * decodeBase64url('AQAB'); // <Buffer 01 00 01>
 * decodeBase64url('AQAB='); // TypeError: padding is not base64url
 * ```
 */
export function decodeBase64url(text: string): Buffer {
  const bytes = Buffer.from(text, 'base64url');
  if (hasForeignDigits(text) || !isCanonicalDecode(text, 0, text.length, bytes.length)) {
    throw new TypeError('not canonical unpadded base64url');
  }
  return bytes;
}

/**
 * Encodes bytes (or a string as UTF-8) as unpadded base64url.
 *
 * @example
 * ```ts
 * encodeBase64url('{"alg":"ES256"}'); // 'eyJhbGciOiJFUzI1NiJ9'
 * ```
 */
export function encodeBase64url(input: Uint8Array | string): string {
  const bytes =
    typeof input === 'string'
      ? Buffer.from(input, 'utf8')
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  return bytes.toString('base64url');
}
