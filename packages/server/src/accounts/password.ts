import { availableParallelism } from 'node:os';
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

/**
 * How many hashes may run at once. Off the event loop is not enough: four
 * argon2 threads on a two-core machine take the CPU the event loop needs, and
 * every other request waits behind a login flood. One core stays free for
 * requests; logins queue (and the throttle bounds the queue an attacker can build).
 */
export function defaultHashConcurrency(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** Password hashing and verification through a small queue. */
export class Passwords {
  readonly #limit: number;
  #running = 0;
  readonly #waiting: Array<() => void> = [];
  #dummy: Promise<string> | undefined;

  constructor(concurrency = defaultHashConcurrency()) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new TypeError('concurrency must be >= 1');
    this.#limit = concurrency;
  }

  hash(password: string): Promise<string> {
    return this.#run(() => hash(password, ARGON2_OPTIONS));
  }

  /**
   * Verifies a password against a stored hash. With no hash (unknown email) it
   * verifies against a dummy made with the same parameters, so an unknown email
   * costs the same work as a wrong password and timing tells nothing.
   */
  async verify(stored: string | undefined, password: string): Promise<boolean> {
    if (stored === undefined) {
      const dummy = await this.#dummyHash();
      await this.#run(() => verify(dummy, password));
      return false;
    }
    try {
      return await this.#run(() => verify(stored, password));
    } catch {
      // A corrupt hash must not become a 500 that tells the account exists.
      return false;
    }
  }

  /** Computes the dummy hash ahead of the first login so that one is not slower. */
  async warm(): Promise<void> {
    await this.#dummyHash();
  }

  #dummyHash(): Promise<string> {
    this.#dummy ??= this.hash('tessera-dummy-password-for-timing');
    return this.#dummy;
  }

  async #run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limit)
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#running++;
    try {
      return await job();
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }
}
