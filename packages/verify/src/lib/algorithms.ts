/**
 * The five JWS algorithms, each mapped to one `node:crypto` primitive, and the rule that a key
 * fits its algorithm. Everything here is synchronous and works on `KeyObject`s made once.
 *
 * Internal: tests import it by path to run the RFC vectors at the signature layer.
 *
 * @module
 */
import {
  constants,
  createHmac,
  createVerify,
  type KeyObject,
  KeyObject as KeyObjectClass,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';

/**
 * A JWS `alg` this package signs and verifies (RFC 7518 §3, RFC 8037 §3.1 for `EdDSA`, which here
 * always means Ed25519).
 *
 * @example
 * ```ts
 * const alg: Algorithm = 'ES256';
 * ```
 */
export type Algorithm = 'ES256' | 'EdDSA' | 'RS256' | 'PS256' | 'HS256';

/**
 * Every supported {@link Algorithm}, in order of preference.
 *
 * @example
 * ```ts
 * if (!ALGORITHMS.includes(process.env.TESSERA_SIGNING_ALG as Algorithm)) exit('bad alg');
 * ```
 */
export const ALGORITHMS: readonly Algorithm[] = Object.freeze([
  'ES256',
  'EdDSA',
  'RS256',
  'PS256',
  'HS256',
]);

const ALGORITHM_SET: ReadonlySet<unknown> = new Set(ALGORITHMS);

/**
 * Whether `value` is one of {@link ALGORITHMS}, spelled exactly (`es256` is not).
 *
 * @example
 * ```ts
 * isAlgorithm(header.alg); // false for 'none', 'HS512', 'es256'
 * ```
 */
export function isAlgorithm(value: unknown): value is Algorithm {
  return ALGORITHM_SET.has(value);
}

/** RFC 7518 §3.3: RSA keys of at least 2048 bits. */
const MIN_RSA_BITS = 2048;
/** RFC 7518 §3.2: an HMAC key at least as long as the hash output. */
const MIN_HMAC_BYTES = 32;
/** RFC 7518 §3.5: PS256 uses SHA-256, MGF1 with SHA-256, and a salt as long as the hash. */
const PSS_SALT_LENGTH = 32;
/** Order n of the P-256 group: ECDSA needs 0 < r, s < n. */
const P256_N = Buffer.from(
  'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551',
  'hex',
);

/** Whether the 32-byte big-endian integer at `bytes[offset]` is in [1, n - 1] for P-256. */
function isP256Scalar(bytes: Uint8Array, offset: number): boolean {
  const first = bytes[offset] ?? 0;
  // n starts with 0xff: a first byte strictly between 0 and 0xff settles it (almost always).
  if (first !== 0 && first !== 0xff) return true;
  let any = 0;
  let order = 0; // sign of (value - n), decided by the first differing byte
  for (let i = 0; i < 32; i++) {
    const byte = bytes[offset + i] ?? 0;
    const limit = P256_N[i] ?? 0;
    any |= byte;
    if (order === 0 && byte !== limit) order = byte < limit ? -1 : 1;
  }
  return any !== 0 && order < 0;
}

/** `KeyObject`s already found to fit an algorithm, as a bit set of (alg, use) pairs. */
const fits = new WeakMap<KeyObject, number>();

function fitBit(alg: Algorithm, use: 'sign' | 'verify'): number {
  return 1 << (ALGORITHMS.indexOf(alg) * 2 + (use === 'sign' ? 1 : 0));
}

/**
 * Throws `TypeError` unless `key` can `use` `alg`: its type (secret, public, private), family,
 * curve and size must match. Because a key is bound to one algorithm and the algorithm comes from
 * the key, never from the token, this is what stops algorithm confusion: an RSA public key can
 * never be handed to HMAC as a secret (CVE-2015-9235 class), nor a P-256 key to Ed25519.
 *
 * @example
 * ```ts
 * assertKeyFits('HS256', rsaPublicKey, 'verify'); // TypeError
 * ```
 */
export function assertKeyFits(alg: Algorithm, key: KeyObject, use: 'sign' | 'verify'): void {
  const bit = fitBit(alg, use);
  const known = fits.get(key) ?? 0;
  if ((known & bit) !== 0) return;
  const problem = keyProblem(alg, key, use);
  if (problem !== undefined) throw new TypeError(`key does not fit ${alg} for ${use}: ${problem}`);
  fits.set(key, known | bit);
}

function keyProblem(alg: Algorithm, key: KeyObject, use: 'sign' | 'verify'): string | undefined {
  if (!isAlgorithm(alg)) return 'unsupported algorithm';
  if (!(key instanceof KeyObjectClass)) return 'not a KeyObject';
  if (alg === 'HS256') {
    if (key.type !== 'secret') return 'HS256 needs a secret key';
    return (key.symmetricKeySize ?? 0) < MIN_HMAC_BYTES
      ? 'secret shorter than 32 bytes'
      : undefined;
  }
  if (key.type === 'secret') return `${alg} needs an asymmetric key`;
  // A verifier may hold the private key (it contains the public one); a signer must.
  if (use === 'sign' && key.type !== 'private') return 'signing needs a private key';
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (alg) {
    case 'ES256':
      return type === 'ec' && details.namedCurve === 'prime256v1' ? undefined : 'not a P-256 key';
    case 'EdDSA':
      return type === 'ed25519' ? undefined : 'not an Ed25519 key';
    case 'RS256':
      if (type !== 'rsa') return 'not an RSA key';
      return (details.modulusLength ?? 0) < MIN_RSA_BITS ? 'RSA key under 2048 bits' : undefined;
    case 'PS256':
      if (type !== 'rsa' && type !== 'rsa-pss') return 'not an RSA key';
      // An RSA-PSS key may be restricted to other parameters; OpenSSL would then refuse or,
      // worse, silently use them.
      if (
        type === 'rsa-pss' &&
        details.hashAlgorithm !== undefined &&
        (details.hashAlgorithm !== 'sha256' ||
          details.mgf1HashAlgorithm !== 'sha256' ||
          (details.saltLength ?? 0) > PSS_SALT_LENGTH)
      ) {
        return 'RSA-PSS key restricted to other parameters';
      }
      return (details.modulusLength ?? 0) < MIN_RSA_BITS ? 'RSA key under 2048 bits' : undefined;
  }
}

/**
 * Signs `input` (bytes, or a string taken as UTF-8: the compact signing input `header.payload`)
 * with `alg`. ES256 signatures are the 64-byte IEEE P1363 `r || s` that JWS requires
 * (RFC 7518 §3.4), not DER.
 *
 * @example
 * ```ts
 * const sig = signBytes('EdDSA', privateKey, 'eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJqb2UifQ');
 * ```
 */
export function signBytes(alg: Algorithm, key: KeyObject, input: Uint8Array | string): Buffer {
  assertKeyFits(alg, key, 'sign');
  if (alg === 'HS256') {
    const hmac = createHmac('sha256', key);
    return (typeof input === 'string' ? hmac.update(input, 'utf8') : hmac.update(input)).digest();
  }
  const data = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  switch (alg) {
    case 'ES256':
      return sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA':
      return sign(null, data, key);
    case 'RS256':
      // An 'rsa' KeyObject defaults to PKCS#1 v1.5 padding (assertKeyFits refused 'rsa-pss').
      return sign('sha256', data, key);
    case 'PS256':
      return sign('sha256', data, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: PSS_SALT_LENGTH,
      });
  }
}

/**
 * SHA-256 then the public-key check: the same OpenSSL operation as
 * `crypto.verify('sha256', input, key, signature)`, through the streaming API, which in Node 20
 * costs 1-3 µs less per call than the one-shot form (no job object) and reads a string input
 * without an intermediate Buffer.
 */
function digestThenVerify(
  input: Uint8Array | string,
  key:
    | KeyObject
    | { key: KeyObject; dsaEncoding?: 'ieee-p1363'; padding?: number; saltLength?: number },
  signature: Uint8Array,
): boolean {
  const verifier = createVerify('sha256');
  if (typeof input === 'string') verifier.update(input, 'utf8');
  else verifier.update(input);
  return verifier.verify(key, signature);
}

/**
 * Whether `signature` is a valid `alg` signature of `input` (bytes, or a string taken as UTF-8,
 * e.g. the compact signing input `header.payload`) under `key`. Returns `false` for any malformed
 * signature; throws `TypeError` only if the key does not fit `alg` (misconfiguration).
 *
 * @example
 * ```ts
 * verifySignature('ES256', publicKey, 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UifQ', signature);
 * ```
 */
export function verifySignature(
  alg: Algorithm,
  key: KeyObject,
  input: Uint8Array | string,
  signature: Uint8Array,
): boolean {
  assertKeyFits(alg, key, 'verify');
  try {
    switch (alg) {
      case 'ES256':
        // Exactly r || s: a DER signature (what OpenSSL would accept by default) is another
        // encoding of the same signature, i.e. malleability.
        if (signature.length !== 64) return false;
        // 0 < r, s < n. OpenSSL checks this too; checking here as well means a regression like
        // Java's CVE-2022-21449 (all-zero signature accepted) cannot reach us through a new
        // crypto backend.
        if (!isP256Scalar(signature, 0) || !isP256Scalar(signature, 32)) return false;
        return digestThenVerify(input, { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'EdDSA': {
        // Ed25519 hashes internally (PureEdDSA): only the one-shot API applies.
        if (signature.length !== 64) return false;
        const data = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
        return verify(null, data, key, signature);
      }
      case 'RS256':
        return digestThenVerify(input, key, signature);
      case 'PS256':
        return digestThenVerify(
          input,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PSS_SALT_LENGTH },
          signature,
        );
      case 'HS256': {
        // timingSafeEqual needs equal lengths; the length is public, the bytes are not (a
        // byte-by-byte early exit would let an attacker forge a MAC one byte at a time).
        if (signature.length !== 32) return false;
        // Hmac takes the string as is: no intermediate Buffer on the hot path.
        const hmac = createHmac('sha256', key);
        const expected = (
          typeof input === 'string' ? hmac.update(input, 'utf8') : hmac.update(input)
        ).digest();
        return timingSafeEqual(expected, signature);
      }
    }
  } catch {
    // OpenSSL refuses some malformed signatures by throwing (e.g. an RSA signature longer than
    // the modulus); for the caller that is simply a signature that does not verify.
    return false;
  }
}
