import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VerifiedJwt } from '../src/index.js';
import { bearerToken } from '../src/index.js';
import { TokenCache } from '../src/remote/token-cache.js';

const result = (name: string): VerifiedJwt => ({
  header: { alg: 'ES256' },
  payload: { jti: name },
});

describe('TokenCache', () => {
  it('evicts the least recently used entry when full', () => {
    const cache = new TokenCache(2);
    const [a, b, c] = [result('a'), result('b'), result('c')];
    cache.set('a', a, 100);
    cache.set('b', b, 100);
    expect(cache.get('a', 0)).toBe(a); // a is now the most recent
    cache.set('c', c, 100);
    expect(cache.get('b', 0)).toBeUndefined();
    expect(cache.get('a', 0)).toBe(a);
    expect(cache.get('c', 0)).toBe(c);
    expect(cache.size).toBe(2);
  });

  it('drops an entry at its exp', () => {
    const cache = new TokenCache(2);
    cache.set('a', result('a'), 100);
    expect(cache.get('a', 99.9)).toBeDefined();
    expect(cache.get('a', 100)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('behaves like a model LRU: bounded, never past exp, never a wrong entry', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.nat(9), exp: fc.nat(20) }),
      fc.record({ kind: fc.constant('get' as const), key: fc.nat(9), now: fc.nat(20) }),
      fc.record({ kind: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.array(op, { maxLength: 60 }), (max, ops) => {
        const cache = new TokenCache(max);
        // The model: keys in LRU order (first = least recent), each with its value and exp.
        let model: Array<{ key: string; value: VerifiedJwt; exp: number }> = [];
        for (const o of ops) {
          if (o.kind === 'clear') {
            cache.clear();
            model = [];
          } else if (o.kind === 'set') {
            const key = `t${o.key}`;
            const value = result(`${key}@${o.exp}`);
            cache.set(key, value, o.exp);
            if (max > 0) {
              model = model.filter((e) => e.key !== key);
              if (model.length >= max) model.shift();
              model.push({ key, value, exp: o.exp });
            }
          } else {
            const key = `t${o.key}`;
            const entry = model.find((e) => e.key === key);
            model = model.filter((e) => e.key !== key);
            const expected = entry !== undefined && entry.exp > o.now ? entry : undefined;
            if (expected) model.push(expected);
            expect(cache.get(key, o.now)).toBe(expected?.value);
          }
          expect(cache.size).toBe(model.length);
          expect(cache.size).toBeLessThanOrEqual(max);
        }
      }),
    );
  });
});

describe('bearerToken (RFC 6750 §2.1)', () => {
  it('reads the token of a Bearer header, any case of the scheme', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer   abc.def-_~+/==')).toBe('abc.def-_~+/==');
    expect(bearerToken('BEARER x ')).toBe('x');
  });

  it('reports no credentials for no header or another scheme', () => {
    for (const header of [undefined, null, '', 'Basic abc', 'Bearerx abc', 'Token abc', []]) {
      expect(bearerToken(header)).toBeUndefined();
    }
  });

  it('reports malformed Bearer credentials as null', () => {
    for (const header of [
      'Bearer',
      'Bearer ',
      'Bearer a b',
      'Bearer a,b',
      'Bearer "a"',
      ['a', 'b'],
    ]) {
      expect(bearerToken(header)).toBeNull();
    }
  });

  it('never throws, and whatever it returns is a substring of the header', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (tail) => {
        for (const header of [tail, `Bearer ${tail}`]) {
          const token = bearerToken(header);
          if (typeof token === 'string') {
            expect(header).toContain(token);
            expect(token).toMatch(/^[A-Za-z0-9\-._~+/]+=*$/);
          }
        }
      }),
    );
  });
});
