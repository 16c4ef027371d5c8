import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FORMATS, luhnValid, maskPhone } from '../../src/vault/formats.js';
import { randomFrom } from '../../src/vault/random.js';

/** A Luhn-valid card number of the given length. */
function withCheckDigit(body: string): string {
  for (let d = 0; d < 10; d++) if (luhnValid(body + d)) return body + d;
  throw new Error('unreachable');
}

const cardArb = fc
  .integer({ min: 12, max: 19 })
  .chain((n) => fc.stringMatching(new RegExp(`^[1-9][0-9]{${n - 2}}$`)))
  .map(withCheckDigit);

describe('vault formats', () => {
  it('Luhn: known vectors', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('378282246310005')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
  });

  it('card tokens keep length, digits and last 4; fail Luhn unless asked; never equal the value', () => {
    fc.assert(
      fc.property(cardArb, fc.boolean(), (card, luhn) => {
        const options = { preserve: 'last4' as const, luhn };
        const token = FORMATS.card.token(card, options);
        expect(token).toMatch(/^\d+$/);
        expect(token).toHaveLength(card.length);
        expect(token.slice(-4)).toBe(card.slice(-4));
        expect(luhnValid(token)).toBe(luhn);
        expect(token).not.toBe(card);
        expect(FORMATS.card.mask(card)).toBe('*'.repeat(card.length - 4) + card.slice(-4));
      }),
    );
  });

  it('first6_last4 keeps the BIN too', () => {
    fc.assert(
      fc.property(
        cardArb.filter((c) => c.length >= 16),
        (card) => {
          const token = FORMATS.card.token(card, { preserve: 'first6_last4', luhn: false });
          expect(token.slice(0, 6)).toBe(card.slice(0, 6));
          expect(token.slice(-4)).toBe(card.slice(-4));
        },
      ),
    );
  });

  it('phone tokens keep country code, length and last 2; the mask is the same for token and value', () => {
    const phoneArb = fc.stringMatching(/^\+[1-9][0-9]{9,13}$/);
    fc.assert(
      fc.property(phoneArb, (phone) => {
        const value = FORMATS.phone.normalize(phone, 'value');
        const token = FORMATS.phone.token(value, { preserve: 'last4', luhn: false });
        expect(token).toHaveLength(value.length);
        expect(token.slice(-2)).toBe(value.slice(-2));
        expect(maskPhone(token)).toBe(maskPhone(value));
      }),
    );
    expect(maskPhone('+919876543210')).toBe('+91********10');
    expect(maskPhone('+14155550123')).toBe('+1********23');
    expect(maskPhone('+35312345678')).toBe('+353******78');
  });

  it('ssn tokens start 9 (never issued) and keep the last 4; PAN keeps the holder type', () => {
    const ssn = FORMATS.ssn.token('123-45-6789', { preserve: 'last4', luhn: false });
    expect(ssn).toMatch(/^9\d\d-\d\d-6789$/);
    const pan = FORMATS.pan_in.token('ABCPE1234F', { preserve: 'last4', luhn: false });
    expect(pan).toMatch(/^[A-Z]{3}P[A-Z]\d{4}[A-Z]$/);
    expect(FORMATS.pan_in.mask('ABCPE1234F')).toBe('*****1234*');
  });

  it('validation messages never contain the value', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 6 }), (junk) => {
        for (const format of Object.values(FORMATS)) {
          try {
            format.normalize(junk, 'value');
          } catch (err) {
            expect((err as Error).message).not.toContain(junk);
          }
        }
      }),
    );
  });

  it('randomFrom is uniform enough (no modulo bias) over a small alphabet', () => {
    const counts = new Map<string, number>();
    for (const c of randomFrom('abc', 30_000)) counts.set(c, (counts.get(c) ?? 0) + 1);
    for (const n of counts.values()) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });
});
