/**
 * RFC test vectors (RFC 7515 A.1–A.3, RFC 7520 §4.1 and §4.4, RFC 8037 A.4/A.5), checked at the
 * signature layer: the vectors carry no `typ: at+jwt` and some no `exp`, so they are not access
 * tokens, but every byte of their signatures must verify, and the deterministic algorithms must
 * reproduce them exactly.
 */
import type { JsonWebKey } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importJwk } from '../src/index.js';
import { type Algorithm, signBytes, verifySignature } from '../src/lib/algorithms.js';
import { decodeBase64url } from '../src/lib/base64url.js';

interface Vector {
  source: string;
  alg: Algorithm;
  deterministic: boolean;
  jwk: JsonWebKey & { d?: string; k?: string; x?: string };
  header: string;
  payload: string;
  compact: string;
  signatureBytes?: number[];
}

const directory = new URL('./vectors/', import.meta.url);
const vectors: Vector[] = readdirSync(directory)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => JSON.parse(readFileSync(new URL(name, directory), 'utf8')) as Vector);

function publicOf(jwk: Vector['jwk']): Vector['jwk'] {
  const { d, p, q, dp, dq, qi, ...rest } = jwk as Record<string, string>;
  void [d, p, q, dp, dq, qi];
  return rest as Vector['jwk'];
}

describe('RFC vectors', () => {
  it('covers every vector the brief names', () => {
    expect(vectors.map((v) => v.source.split(' (')[0])).toEqual([
      'RFC 7515 Appendix A.1',
      'RFC 7515 Appendix A.2',
      'RFC 7515 Appendix A.3',
      'RFC 7520 Section 4.1',
      'RFC 7520 Section 4.4',
      'RFC 8037 Appendix A.4',
    ]);
  });

  for (const vector of vectors) {
    describe(vector.source, () => {
      const [header = '', payload = '', signature = ''] = vector.compact.split('.');
      const input = `${header}.${payload}`;
      const signingKey = importJwk(vector.jwk, vector.alg);
      const verifyingKey =
        vector.alg === 'HS256' ? signingKey : importJwk(publicOf(vector.jwk), vector.alg);

      it('decodes to the header and payload printed in the RFC', () => {
        expect(decodeBase64url(header).toString('utf8')).toBe(vector.header);
        expect(decodeBase64url(payload).toString('utf8')).toBe(vector.payload);
        if (vector.signatureBytes !== undefined) {
          expect([...decodeBase64url(signature)]).toEqual(vector.signatureBytes);
        }
      });

      it('verifies with the public key (or the secret)', () => {
        expect(verifySignature(vector.alg, verifyingKey, input, decodeBase64url(signature))).toBe(
          true,
        );
        expect(
          verifySignature(vector.alg, verifyingKey, Buffer.from(input), decodeBase64url(signature)),
        ).toBe(true);
      });

      it('fails after any single bit of the signature or the input flips', () => {
        const bytes = decodeBase64url(signature);
        for (const index of [0, bytes.length >> 1, bytes.length - 1]) {
          const flipped = Buffer.from(bytes);
          flipped[index] = (flipped[index] ?? 0) ^ 1;
          expect(verifySignature(vector.alg, verifyingKey, input, flipped)).toBe(false);
        }
        const changed = `${input.slice(0, -1)}${input.endsWith('A') ? 'B' : 'A'}`;
        expect(verifySignature(vector.alg, verifyingKey, changed, bytes)).toBe(false);
      });

      if (vector.deterministic) {
        it('signing reproduces the RFC signature exactly', () => {
          expect(signBytes(vector.alg, signingKey, input).toString('base64url')).toBe(signature);
        });
      } else {
        it('signing makes a different signature that also verifies', () => {
          const mine = signBytes(vector.alg, signingKey, input);
          expect(mine.toString('base64url')).not.toBe(signature);
          expect(verifySignature(vector.alg, verifyingKey, input, mine)).toBe(true);
        });
      }
    });
  }
});
