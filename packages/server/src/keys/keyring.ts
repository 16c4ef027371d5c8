import type { JsonWebKey } from 'node:crypto';
import { type Algorithm, importJwk, type JwtKey } from '@tessera/verify';
import { open, seal } from '../crypto/envelope.js';
import type { MasterKey } from '../crypto/master-key.js';
import type { SigningKeyRow, Store } from '../storage/index.js';
import {
  exportPrivate,
  fromJwk,
  generateKey,
  type KeyMaterial,
  verificationKey,
} from './generate.js';

export interface KeyRingOptions {
  alg: Algorithm;
  /** Access-token lifetime in seconds: a retired key stays published this long (plus leeway). */
  accessTtl: number;
  now?: () => number;
}

/** Leeway a retired key stays published past the last token it could have signed. */
const PUBLISH_LEEWAY_MS = 120_000;

/**
 * The signing keys, decrypted once and cached as `KeyObject`s.
 *
 * Life of a key: `next` (published, not yet signing: resource servers cache it
 * before the first token appears) → `active` (signs) → `retired` (published
 * until every token it signed has expired) → pruned. Several server processes
 * share the table; each re-reads it periodically and on an unknown `kid`.
 */
export class KeyRing {
  readonly #store: Store;
  readonly #sealKey: Buffer;
  readonly #opts: KeyRingOptions;
  readonly #now: () => number;
  #rows: SigningKeyRow[] = [];
  #keys = new Map<string, JwtKey>();
  #signing: JwtKey | undefined;
  #decrypted = new Map<string, KeyMaterial>();
  #loadedAt = 0;
  #loading: Promise<void> | undefined;

  constructor(store: Store, masterKey: MasterKey, options: KeyRingOptions) {
    this.#store = store;
    this.#sealKey = masterKey.derive('signing-keys');
    this.#opts = options;
    this.#now = options.now ?? Date.now;
  }

  /** The key that signs new tokens. */
  get signingKey(): JwtKey {
    if (!this.#signing) throw new Error('no active signing key: run `tessera keys rotate`');
    return this.#signing;
  }

  /** Looks a verification key up by kid (sync: used on every request). */
  readonly lookup = (kid: string): JwtKey | undefined => this.#keys.get(kid);

  get loadedAt(): number {
    return this.#loadedAt;
  }

  /** Rows as stored, for `keys list`. */
  get rows(): readonly SigningKeyRow[] {
    return this.#rows;
  }

  /** Public JWKS: active, next and retired keys that still verify live tokens. Never HS256. */
  jwks(): { keys: JsonWebKey[] } {
    const now = this.#now();
    const keys: JsonWebKey[] = [];
    for (const row of this.#rows) {
      if (row.public_jwk === null) continue;
      if (row.status === 'retired' && (row.publish_until ?? 0) < now) continue;
      keys.push(JSON.parse(row.public_jwk) as JsonWebKey);
    }
    return { keys };
  }

  /** Re-reads the key table (one query at a time however many callers ask). */
  refresh(): Promise<void> {
    this.#loading ??= this.#load().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  /** Refreshes when the cached view is older than `maxAgeMs`. */
  async refreshIfOlderThan(maxAgeMs: number): Promise<void> {
    if (this.#now() - this.#loadedAt > maxAgeMs) await this.refresh();
  }

  async #load(): Promise<void> {
    const rows = await this.#store.signingKeys.list();
    const keys = new Map<string, JwtKey>();
    let signing: JwtKey | undefined;
    const now = this.#now();
    for (const row of rows) {
      if (row.status === 'retired' && (row.publish_until ?? 0) < now) continue;
      const material = this.#decrypt(row);
      const key = verificationKey(material);
      keys.set(row.kid, key);
      if (row.status === 'active')
        signing = { kid: row.kid, alg: material.alg, key: material.privateKey };
    }
    this.#rows = rows;
    this.#keys = keys;
    this.#signing = signing;
    this.#loadedAt = now;
  }

  #decrypt(row: SigningKeyRow): KeyMaterial {
    let material = this.#decrypted.get(row.kid);
    if (!material) {
      const jwk = JSON.parse(
        open(this.#sealKey, row.private_key, aad(row.kid)).toString('utf8'),
      ) as JsonWebKey;
      const alg = row.alg as Algorithm;
      material = {
        kid: row.kid,
        alg,
        privateKey: importJwk(jwk, alg),
        publicJwk: row.public_jwk
          ? (JSON.parse(row.public_jwk) as JsonWebKey & { kid: string })
          : null,
      };
      this.#decrypted.set(row.kid, material);
    }
    return material;
  }

  /**
   * Makes sure an active key of the configured algorithm exists, and a `next`
   * one behind it. Called at every start; changing TESSERA_SIGNING_ALG rotates.
   */
  async ensureReady(): Promise<void> {
    await this.refresh();
    const active = this.#rows.find((r) => r.status === 'active');
    if (!active || active.alg !== this.#opts.alg) {
      await this.#activate(await this.#nextOrNew());
    }
    await this.#ensureNext();
    await this.refresh();
  }

  /** `next` becomes active, the old active key retires, and a new `next` is made. */
  async rotate(): Promise<string> {
    await this.refresh();
    const kid = await this.#nextOrNew();
    await this.#activate(kid);
    await this.#ensureNext();
    await this.refresh();
    return kid;
  }

  /** Adds a private JWK as the `next` key, or activates it at once. */
  async import(
    jwk: JsonWebKey & { kid?: unknown; alg?: unknown },
    alg: Algorithm,
    activate: boolean,
  ): Promise<string> {
    const material = await fromJwk(jwk, alg);
    await this.refresh();
    if (this.#rows.some((r) => r.kid === material.kid))
      throw new Error(`a key with kid "${material.kid}" exists already`);
    await this.#insert(material, 'next');
    if (activate) await this.#activate(material.kid);
    await this.refresh();
    return material.kid;
  }

  /** The newest `next` key (an imported one wins over the generated one), else a new key. */
  async #nextOrNew(): Promise<string> {
    const next = this.#rows.findLast((r) => r.status === 'next' && r.alg === this.#opts.alg);
    if (next) return next.kid;
    const material = await generateKey(this.#opts.alg);
    await this.#insert(material, 'next');
    return material.kid;
  }

  async #ensureNext(): Promise<void> {
    await this.refresh();
    if (!this.#rows.some((r) => r.status === 'next' && r.alg === this.#opts.alg)) {
      await this.#insert(await generateKey(this.#opts.alg), 'next');
    }
  }

  async #activate(kid: string): Promise<void> {
    const now = this.#now();
    await this.#store.signingKeys.activate(
      kid,
      now,
      now + this.#opts.accessTtl * 1000 + PUBLISH_LEEWAY_MS,
    );
    await this.#store.signingKeys.prune(now);
  }

  async #insert(material: KeyMaterial, status: 'next'): Promise<void> {
    await this.#store.signingKeys.insert({
      kid: material.kid,
      alg: material.alg,
      status,
      public_jwk: material.publicJwk ? JSON.stringify(material.publicJwk) : null,
      private_key: seal(this.#sealKey, exportPrivate(material), aad(material.kid)),
      created_at: this.#now(),
      activated_at: null,
      retired_at: null,
      publish_until: null,
    });
    this.#decrypted.set(material.kid, material);
  }
}

function aad(kid: string): string {
  return `tessera:signing-key:${kid}`;
}
