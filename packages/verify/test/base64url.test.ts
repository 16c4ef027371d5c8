/**
 * The strict base64url check (lib/base64url.ts) against its definition: a text is canonical
 * exactly when decoding and re-encoding it gives the text back.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64url, encodeBase64url } from '../src/lib/base64url.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Every kind of character a lenient decoder treats specially, plus ordinary digits. */
const TRICKY = [
  ...ALPHABET,
  '+',
  '/',
  '=',
  ' ',
  '\n',
  '\t',
  '.',
  '!',
  '\u0000',
  'é',
  '\u00ff',
  '\u0141',
  '\u012d',
  '\uff21',
  '😀',
];

function byDefinition(text: string): boolean {
  return Buffer.from(text, 'base64url').toString('base64url') === text;
}

function strict(text: string): boolean {
  try {
    decodeBase64url(text);
    return true;
  } catch {
    return false;
  }
}

describe('strict base64url', () => {
  it('accepts exactly the canonical texts (random texts over tricky characters)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TRICKY), { maxLength: 12 }), (chars) => {
        const text = chars.join('');
        expect(strict(text)).toBe(byDefinition(text));
      }),
      { seed: 4242, numRuns: 20_000 },
    );
  });

  it('accepts exactly the canonical texts (canonical encodings with one character changed)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.constantFrom(...TRICKY),
        (bytes, at, char) => {
          const encoded = encodeBase64url(bytes);
          const i = at % encoded.length;
          const text = `${encoded.slice(0, i)}${char}${encoded.slice(i + 1)}`;
          expect(strict(text)).toBe(byDefinition(text));
        },
      ),
      { seed: 4243, numRuns: 20_000 },
    );
  });

  it('round-trips every byte string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect([...decodeBase64url(encodeBase64url(bytes))]).toEqual([...bytes]);
      }),
      { seed: 4244, numRuns: 2_000 },
    );
  });

  it.each([
    ['padding', 'AQAB=', 'AQ=='],
    ['standard alphabet', 'ab+/'],
    ['whitespace', 'AQ AB', 'AQAB\n'],
    ['trailing bits', 'AR', 'AQB'],
    ['length 1 mod 4', 'A', 'AQABA'],
    ['truncated non-ASCII', '\u0141QAB'],
  ])('refuses %s', (_, ...texts) => {
    for (const text of texts) expect(() => decodeBase64url(text)).toThrow(TypeError);
  });
});
