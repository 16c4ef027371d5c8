import { randomBytes } from 'node:crypto';
import { open, seal } from '../crypto/envelope.js';
import type { MasterKey } from '../crypto/master-key.js';
import { type Store, UniqueViolation } from '../storage/index.js';

/** A rotation by another process (`vault rotate-key`) is picked up within this time. */
const REFRESH_MS = 5_000;

export interface DataKey {
  version: number;
  key: Buffer;
}

/**
 * The vault's data keys: random 256-bit keys, stored wrapped (AES-256-GCM) under the
 * master key's `vault-data-keys` derivation, with the version as associated data, so a
 * wrapped key cannot be swapped for another version's. Unwrapped keys live only in memory.
 */
export class DataKeys {
  readonly #store: Store;
  readonly #wrapping: Buffer;
  readonly #now: () => number;
  #keys = new Map<number, Buffer>();
  #active: DataKey | undefined;
  #loadedAt = 0;

  constructor(store: Store, masterKey: MasterKey, now: () => number = Date.now) {
    this.#store = store;
    this.#wrapping = masterKey.derive('vault-data-keys');
    this.#now = now;
  }

  /** The key new records are sealed under; makes the first key when there is none. */
  async active(): Promise<DataKey> {
    if (!this.#active || Date.now() - this.#loadedAt > REFRESH_MS) await this.load();
    if (!this.#active) {
      try {
        await this.rotate();
      } catch (err) {
        // Another process made the first key at the same moment: use theirs.
        if (!(err instanceof UniqueViolation)) throw err;
        await this.load();
      }
    }
    if (!this.#active) throw new Error('no active vault data key');
    return this.#active;
  }

  /** The key of a version (reloading once if it was made elsewhere after we loaded). */
  async get(version: number): Promise<Buffer> {
    let key = this.#keys.get(version);
    if (!key) {
      await this.load();
      key = this.#keys.get(version);
    }
    if (!key) throw new Error(`vault data key ${version} is missing`);
    return key;
  }

  /** Makes a new random data key the active one; returns it. */
  async rotate(): Promise<DataKey> {
    const raw = randomBytes(32);
    const row = await this.#store.vaultKeys.rotate(
      (version) => seal(this.#wrapping, raw, aad(version)),
      this.#now(),
    );
    await this.load();
    return { version: row.version, key: raw };
  }

  async load(): Promise<void> {
    const rows = await this.#store.vaultKeys.list();
    const keys = new Map<number, Buffer>();
    let active: DataKey | undefined;
    for (const row of rows) {
      const key =
        this.#keys.get(row.version) ?? open(this.#wrapping, row.wrapped_key, aad(row.version));
      keys.set(row.version, key);
      if (row.status === 'active') active = { version: row.version, key };
    }
    this.#keys = keys;
    this.#active = active;
    this.#loadedAt = Date.now();
  }
}

function aad(version: number): string {
  return `vault-data-key:${version}`;
}
