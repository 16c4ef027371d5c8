import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Versioned AES-256-GCM envelope: `v1.<nonce>.<ciphertext>.<tag>` (base64url).
 *
 * The associated data binds a ciphertext to the identity of what it protects
 * (e.g. `signing-key:<kid>`): a row's ciphertext copied onto another row fails
 * to open instead of silently decrypting to the wrong thing.
 */
const VERSION = 'v1';

/** @example seal(key, Buffer.from('secret'), 'signing-key:abc') */
export function seal(key: Buffer, plaintext: Buffer, aad: string): string {
  // 96-bit random nonces: safe for far more than the 2^32 messages per key we could ever seal.
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, nonce, ct, tag]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** Opens an envelope; throws a value-free error when the key, AAD or bytes are wrong. */
export function open(key: Buffer, envelope: string, aad: string): Buffer {
  const parts = envelope.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new Error('unsupported envelope');
  const [, nonce, ct, tag] = parts.map((p) => Buffer.from(p, 'base64url')) as [
    Buffer,
    Buffer,
    Buffer,
    Buffer,
  ];
  if (nonce.length !== 12 || tag.length !== 16) throw new Error('malformed envelope');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ct), decipher.final()]);
  } catch {
    throw new Error('envelope authentication failed (wrong master key or tampered data)');
  }
}
