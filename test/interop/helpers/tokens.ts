/** Small helpers for tests that look at tokens Tessera issued. */
import type { Tessera } from './tessera.js';

/** The protected header of a compact JWS, unverified. */
export function headerOf(token: string): { alg: string; kid: string; typ: string } {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
}

/**
 * Logs `email` in until the token is signed by a key other than `previousKid`: a key change made
 * by the CLI reaches the running server when it re-reads its key table (a JWKS request does that
 * when its view is over 2 s old).
 */
export async function tokenWithNewKey(
  tessera: Tessera,
  email: string,
  previousKid: string,
): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    await fetch(`${tessera.url}/.well-known/jwks.json`);
    const token = await tessera.login(email);
    if (headerOf(token).kid !== previousKid) return token;
    if (Date.now() > deadline) throw new Error('the server kept signing with the old key');
    await new Promise((r) => setTimeout(r, 500));
  }
}
