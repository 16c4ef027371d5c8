import { createHmac } from 'node:crypto';
import { open, seal } from '../crypto/envelope.js';

/**
 * The associated data of a record: its token, type and owner. A ciphertext moved onto
 * another row (another token, or another owner's row) fails to open rather than
 * decrypting under the wrong identity. JSON keeps the fields unambiguous.
 */
export function recordAad(token: string, type: string, owner: string): string {
  return JSON.stringify(['tessera-vault/v1', token, type, owner]);
}

export function sealValue(key: Buffer, value: string, token: string, type: string, owner: string) {
  return seal(key, Buffer.from(value, 'utf8'), recordAad(token, type, owner));
}

export function openValue(
  key: Buffer,
  ciphertext: string,
  token: string,
  type: string,
  owner: string,
): string {
  return open(key, ciphertext, recordAad(token, type, owner)).toString('utf8');
}

/**
 * The deterministic lookup: HMAC-SHA256 under the master key's `vault-index` derivation
 * (a key of its own, never the encryption key) of owner, type and normalized value. It
 * finds the existing token without the value being stored in any searchable form.
 */
export function lookupHash(
  indexKey: Buffer,
  owner: string,
  type: string,
  normalized: string,
): string {
  return createHmac('sha256', indexKey)
    .update(JSON.stringify([owner, type, normalized]))
    .digest('base64url');
}
