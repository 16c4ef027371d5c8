import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id at the OWASP Password Storage Cheat Sheet's first configuration:
 * m=19456 KiB, t=2, p=1. `@node-rs/argon2`'s async calls run on the libuv
 * thread pool, never on the event loop.
 */
export const ARGON2_OPTIONS = {
  algorithm: 2, // Algorithm.Argon2id (a const enum, which isolatedModules cannot inline)
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/**
 * Verifies a password against a stored hash. With no hash (unknown email) it
 * verifies against a dummy made with the same parameters, so an unknown email
 * costs the same work as a wrong password and timing tells nothing.
 */
export class PasswordVerifier {
  #dummy: Promise<string> | undefined;

  async verify(stored: string | undefined, password: string): Promise<boolean> {
    if (stored === undefined) {
      this.#dummy ??= hashPassword('tessera-dummy-password-for-timing');
      await verify(await this.#dummy, password);
      return false;
    }
    try {
      return await verify(stored, password);
    } catch {
      // A corrupt hash must not become a 500 that tells the account exists.
      return false;
    }
  }

  /** Computes the dummy hash ahead of the first login so that one is not slower. */
  async warm(): Promise<void> {
    this.#dummy ??= hashPassword('tessera-dummy-password-for-timing');
    await this.#dummy;
  }
}
