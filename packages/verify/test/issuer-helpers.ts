/** A fake issuer behind a counting fake `fetch`: discovery, JWKS, and tokens signed with its keys. */
import { randomUUID } from 'node:crypto';
import type { FetchLike, JwtClaims, JwtKey, VerifierOptions } from '../src/index.js';
import { publicJwk, signJwt } from '../src/index.js';
import { keyPair } from './helpers.js';

export const ISSUER = 'https://auth.tessera.test';
export const AUDIENCE = 'https://api.tessera.test';
export const DISCOVERY = `${ISSUER}/.well-known/openid-configuration`;
export const JWKS_URI = `${ISSUER}/.well-known/jwks.json`;

export interface FakeIssuer {
  /** Every URL fetched, in order. */
  readonly calls: string[];
  readonly fetch: FetchLike;
  /** Keys published (public halves) and their private halves for signing. */
  keys: JwtKey[];
  /** Override what the JWKS URL answers (raw body, status). */
  jwksResponse: (() => Response | Promise<Response>) | undefined;
  /** Override the discovery document. */
  discovery: Record<string, unknown>;
  /** Delay before each answer, ms. */
  delayMs: number;
  sign(claims?: Partial<JwtClaims>, key?: JwtKey): string;
  options(overrides?: Partial<VerifierOptions>): VerifierOptions;
}

export function fakeIssuer(initial: JwtKey[] = [keyPair('ES256').signing]): FakeIssuer {
  const issuer: FakeIssuer = {
    calls: [],
    keys: initial,
    jwksResponse: undefined,
    discovery: { issuer: ISSUER, jwks_uri: JWKS_URI },
    delayMs: 0,
    fetch: async (url) => {
      issuer.calls.push(url);
      if (issuer.delayMs > 0) await new Promise((r) => setTimeout(r, issuer.delayMs));
      if (url === DISCOVERY) return Response.json(issuer.discovery);
      if (url === JWKS_URI) {
        if (issuer.jwksResponse) return issuer.jwksResponse();
        return Response.json({ keys: issuer.keys.map(publicJwk) });
      }
      return new Response('not found', { status: 404 });
    },
    sign(claims = {}, key = issuer.keys[0]!) {
      const now = Math.floor(Date.now() / 1000);
      return signJwt(
        {
          iss: ISSUER,
          sub: 'user-1',
          aud: AUDIENCE,
          iat: now,
          exp: now + 300,
          jti: randomUUID(),
          scope: 'profile vault',
          ...claims,
        },
        key,
      );
    },
    options(overrides = {}) {
      return { issuer: ISSUER, audience: AUDIENCE, fetch: issuer.fetch, ...overrides };
    },
  };
  return issuer;
}

/** The `code` of the rejection of `promise`, or `'accepted'`. */
export async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') throw error;
    return code;
  }
}
