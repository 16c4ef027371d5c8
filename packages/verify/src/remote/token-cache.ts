/**
 * A bounded least-recently-used cache of verified tokens, keyed by the exact token text.
 *
 * @module
 */
import type { VerifiedJwt } from '../jwt/verify.js';

/**
 * Verified tokens by their compact text. A hit means these exact bytes passed every check
 * before, so it can only be served while the token is unexpired: an entry is never returned at
 * or past its `exp` (no clock tolerance here; a full verification decides the edge). Only
 * verified tokens get in, so an attacker cannot fill it without valid tokens; when full, the
 * least recently used entry leaves.
 *
 * @example
 * ```ts
 * const cache = new TokenCache(1000);
 * cache.set(token, verified, verified.payload.exp);
 * cache.get(token, Date.now() / 1000);
 * ```
 */
export class TokenCache {
  readonly #max: number;
  // A Map iterates in insertion order: re-inserting on a hit makes the first entry the LRU one.
  readonly #entries = new Map<string, { result: VerifiedJwt; exp: number }>();

  constructor(maxEntries: number) {
    this.#max = maxEntries;
  }

  /** Number of entries. */
  get size(): number {
    return this.#entries.size;
  }

  /** The cached result for `token`, if present and `exp` is still ahead of `now` (seconds). */
  get(token: string, now: number): VerifiedJwt | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    this.#entries.delete(token);
    if (entry.exp <= now) return undefined;
    this.#entries.set(token, entry);
    return entry.result;
  }

  /** Remembers a verified token until `exp` (seconds), evicting the least recently used. */
  set(token: string, result: VerifiedJwt, exp: number): void {
    if (this.#max <= 0) return;
    this.#entries.delete(token);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, { result, exp });
  }

  /** Forgets everything (a key left the set: its tokens must be verified afresh, and fail). */
  clear(): void {
    this.#entries.clear();
  }
}
