import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Purposes a key is derived for. One HKDF `info` each, so no key ever serves two uses. */
export type KeyPurpose =
  | 'signing-keys'
  | 'key-check'
  | 'vault-data-keys'
  | 'vault-index'
  | 'audit-chain';

/**
 * The root secret. It never encrypts anything itself: each purpose gets its
 * own 256-bit key through HKDF-SHA256 (RFC 5869), so a flaw in one use (say,
 * a nonce reuse) cannot be carried over to another.
 */
export class MasterKey {
  readonly #ikm: Buffer;
  readonly #derived = new Map<KeyPurpose, Buffer>();

  constructor(raw: Buffer) {
    if (raw.length !== 32) throw new TypeError('master key must be 32 bytes');
    this.#ikm = Buffer.from(raw);
  }

  /** @example masterKey.derive('signing-keys') // 32-byte Buffer */
  derive(purpose: KeyPurpose): Buffer {
    let key = this.#derived.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.#ikm, 'tessera', `tessera/v1/${purpose}`, 32));
      this.#derived.set(purpose, key);
    }
    return key;
  }

  /** A public fingerprint stored in the database, to tell a wrong key from a corrupt row. */
  checkValue(): string {
    return createHmac('sha256', this.derive('key-check')).update('tessera').digest('base64url');
  }

  matches(checkValue: string): boolean {
    const mine = Buffer.from(this.checkValue());
    const theirs = Buffer.from(checkValue);
    return mine.length === theirs.length && timingSafeEqual(mine, theirs);
  }

  /** Keeps the key out of `console.log`, `util.inspect` and JSON logs. */
  toJSON(): string {
    return '[MasterKey]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[MasterKey]';
  }
}

export interface LoadedMasterKey {
  key: MasterKey;
  /** Set when a development key was generated into the data dir just now. */
  generatedAt?: string;
}

/**
 * The configured key, or in development one generated into `dataDir/master.key`
 * (mode 0600). Production refuses to start without a configured key: see config.
 */
export function loadMasterKey(configured: string | undefined, dataDir: string): LoadedMasterKey {
  if (configured !== undefined) return { key: new MasterKey(Buffer.from(configured, 'base64url')) };
  const file = join(dataDir, 'master.key');
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    const raw = Buffer.from(text, 'base64url');
    if (raw.length !== 32) throw new Error(`${file} does not hold a 32-byte base64url key`);
    return { key: new MasterKey(raw) };
  }
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { ...loadMasterKey(undefined, dataDir), generatedAt: file };
}
