/**
 * Adapters take either a ready {@link Verifier} (share one per process: it holds the key cache)
 * or the options to make one.
 *
 * @module
 */
import { createVerifier, type Verifier, type VerifierOptions } from '../verifier.js';

/**
 * A verifier, or the options to create one.
 *
 * @example
 * ```ts
 * const source: VerifierSource = { issuer: 'https://auth.example', audience: 'https://api.example' };
 * ```
 */
export type VerifierSource = Verifier | VerifierOptions;

/**
 * `source` itself when it is a verifier, else a new one from its options.
 *
 * @example
 * ```ts
 * const verifier = resolveVerifier(options.verifier ?? options);
 * ```
 */
export function resolveVerifier(source: VerifierSource): Verifier {
  if (typeof source !== 'object' || source === null) {
    throw new TypeError('pass a verifier or the options of createVerifier');
  }
  if (typeof (source as Verifier).verify === 'function') return source as Verifier;
  return createVerifier(source as VerifierOptions);
}
