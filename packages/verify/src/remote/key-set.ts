/**
 * A remote JWK Set: discovered from the issuer, fetched once, cached, and refetched on an unknown
 * `kid` at most once per cooldown, with concurrent misses sharing one fetch.
 *
 * @module
 */
import { JwksInvalid } from '../errors.js';
import type { JwtKey } from '../keys.js';
import type { Algorithm } from '../lib/algorithms.js';
import { type FetchLike, fetchJson } from './fetch-json.js';
import { parseJwks } from './jwks.js';

/**
 * Settings of a {@link RemoteKeySet} (already validated by `createVerifier`).
 *
 * @example
 * ```ts
 * new RemoteKeySet({ issuer, jwksUri: undefined, algorithms: ['ES256'], fetch, timeoutMs: 5000,
 *   maxResponseBytes: 262_144, cooldownMs: 30_000, maxAgeMs: 600_000, now: Date.now,
 *   onKeysRemoved: () => cache.clear() });
 * ```
 */
export interface RemoteKeySetOptions {
  readonly issuer: string;
  readonly jwksUri: string | undefined;
  readonly algorithms: readonly Algorithm[];
  readonly fetch: FetchLike;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly cooldownMs: number;
  readonly maxAgeMs: number;
  readonly now: () => number;
  /** Called after a refresh in which a kid disappeared or changed key. */
  readonly onKeysRemoved: () => void;
}

/** After a failed fetch, the next attempt waits this long at most (or the cooldown if shorter). */
const FAILURE_BACKOFF_MS = 5_000;

/**
 * The discovery URL of an issuer (OpenID Connect Discovery 1.0 §4: the path is appended).
 *
 * @example
 * ```ts
 * discoveryUrl('https://auth.example'); // 'https://auth.example/.well-known/openid-configuration'
 * ```
 */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/**
 * The key cache behind a verifier. `lookup` is synchronous; fetching happens only in
 * {@link RemoteKeySet.load}, {@link RemoteKeySet.refreshForUnknownKid} and the background refresh
 * of a stale set, never for a URL that a token names.
 *
 * @example
 * ```ts
 * const keySet = new RemoteKeySet(options);
 * await keySet.load();
 * verifyJwt(token, keySet.lookup, { issuer, audience });
 * ```
 */
export class RemoteKeySet {
  readonly #options: RemoteKeySetOptions;
  #jwksUri: string | undefined;
  #keys: ReadonlyMap<string, JwtKey> = new Map();
  #fingerprints: ReadonlyMap<string, string> = new Map();
  #loadedAt: number | undefined;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #lastError: unknown;
  #inFlight: Promise<void> | undefined;
  #fetches = 0;

  constructor(options: RemoteKeySetOptions) {
    this.#options = options;
    this.#jwksUri = options.jwksUri;
  }

  /** The key for `kid`, from the cached set (own entries of a `Map`: `__proto__` is just a miss). */
  readonly lookup = (kid: string): JwtKey | undefined => this.#keys.get(kid);

  /** Whether a key set has been loaded at least once. */
  get loaded(): boolean {
    return this.#loadedAt !== undefined;
  }

  /** How many fetch rounds (discovery + JWKS) have started; for tests and metrics. */
  get fetches(): number {
    return this.#fetches;
  }

  /** The kids currently cached. */
  get kids(): string[] {
    return [...this.#keys.keys()];
  }

  /**
   * Resolves once a key set is loaded. The first call fetches; concurrent callers share that
   * fetch. After a failure, callers within the backoff get the same error without a new fetch.
   */
  async load(): Promise<void> {
    if (this.#loadedAt !== undefined) return;
    if (this.#inFlight === undefined) {
      const backoff = Math.min(this.#options.cooldownMs, FAILURE_BACKOFF_MS);
      if (this.#options.now() - this.#lastAttempt < backoff) throw this.#lastError;
      this.#start();
    }
    await this.#inFlight;
  }

  /**
   * A token named a kid we do not have. Joins a fetch in flight, or starts one unless the last
   * one started less than the cooldown ago. Resolves `true` when a fetch completed (so a retry
   * may succeed), `false` when the cooldown held it back.
   */
  async refreshForUnknownKid(): Promise<boolean> {
    if (this.#inFlight === undefined) {
      if (this.#options.now() - this.#lastAttempt < this.#options.cooldownMs) return false;
      this.#start();
    }
    await this.#inFlight;
    return true;
  }

  /** Starts a background refresh when the set is older than `maxAgeMs`; old keys keep working. */
  refreshIfStale(): void {
    const now = this.#options.now();
    if (
      this.#inFlight === undefined &&
      this.#loadedAt !== undefined &&
      now - this.#loadedAt > this.#options.maxAgeMs &&
      now - this.#lastAttempt >= this.#options.cooldownMs
    ) {
      // Failures are remembered for load(); in the background they only mean old keys stay.
      this.#start().catch(() => {});
    }
  }

  #start(): Promise<void> {
    this.#lastAttempt = this.#options.now();
    this.#fetches++;
    this.#inFlight = this.#fetch()
      .catch((error: unknown) => {
        this.#lastError = error;
        throw error;
      })
      .finally(() => {
        this.#inFlight = undefined;
      });
    return this.#inFlight;
  }

  async #fetch(): Promise<void> {
    const limits = {
      timeoutMs: this.#options.timeoutMs,
      maxBytes: this.#options.maxResponseBytes,
    };
    this.#jwksUri ??= await this.#discover(limits);
    const document = await fetchJson(this.#jwksUri, this.#options.fetch, limits);
    const parsed = parseJwks(document, this.#options.algorithms);

    // Keep the KeyObject of a kid whose key did not change: node:crypto's per-key caches stay warm.
    const keys = new Map<string, JwtKey>();
    let removed = false;
    for (const [kid, key] of parsed.keys) {
      const same = this.#fingerprints.get(kid) === parsed.fingerprints.get(kid);
      keys.set(kid, (same && this.#keys.get(kid)) || key);
    }
    for (const [kid, fingerprint] of this.#fingerprints) {
      if (parsed.fingerprints.get(kid) !== fingerprint) removed = true;
    }
    this.#keys = keys;
    this.#fingerprints = parsed.fingerprints;
    this.#loadedAt = this.#options.now();
    if (removed) this.#options.onKeysRemoved();
  }

  async #discover(limits: { timeoutMs: number; maxBytes: number }): Promise<string> {
    const { issuer } = this.#options;
    const document = await fetchJson(discoveryUrl(issuer), this.#options.fetch, limits);
    if (typeof document !== 'object' || document === null) {
      throw new JwksInvalid('the discovery document is not a JSON object');
    }
    const { issuer: published, jwks_uri: jwksUri } = document as Record<string, unknown>;
    // OpenID Connect Discovery §4.3: a document for another issuer must not be used; it could
    // hand us an attacker's key set.
    if (published !== issuer) {
      throw new JwksInvalid('the discovery document is for another issuer');
    }
    if (typeof jwksUri !== 'string' || !isHttpUrl(jwksUri)) {
      throw new JwksInvalid('the discovery document has no usable jwks_uri');
    }
    return jwksUri;
  }
}

/**
 * Whether `value` is an absolute http(s) URL.
 *
 * @example
 * ```ts
 * isHttpUrl('https://auth.example/jwks'); // true
 * ```
 */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
