/**
 * `createVerifier` against a real Tessera: discovery, a flood of unknown kids, and key rotation
 * done with the CLI while both keep running.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type FetchLike, signJwt } from '../../packages/verify/src/index.js';
import { startTessera, type Tessera } from './helpers/tessera.js';
import { headerOf, tokenWithNewKey } from './helpers/tokens.js';

/** `fetch` that counts requests per path. */
function countingFetch(): { fetch: FetchLike; count: (suffix: string) => number } {
  const urls: string[] = [];
  return {
    fetch: (url, init) => {
      urls.push(url);
      return fetch(url, init);
    },
    count: (suffix) => urls.filter((u) => u.endsWith(suffix)).length,
  };
}

/** JWKS requests the server itself has counted (its Prometheus `/metrics`). */
async function servedJwks(tessera: Tessera): Promise<number> {
  const text = await (await fetch(`${tessera.url}/metrics`)).text();
  let total = 0;
  for (const match of text.matchAll(
    /^tessera_http_requests_total\{[^}]*jwks\.json[^}]*\} (\d+)/gm,
  )) {
    total += Number(match[1]);
  }
  return total;
}

describe('createVerifier against a running Tessera', () => {
  let tessera: Tessera;
  beforeAll(async () => {
    tessera = await startTessera('ES256');
  });
  afterAll(async () => {
    await tessera?.stop();
  });

  it('discovers the JWKS from the issuer and verifies a login token', async () => {
    const { token, sub } = await tessera.user();
    const counter = countingFetch();
    const verifier = createVerifier({
      issuer: tessera.issuer,
      audience: tessera.issuer,
      fetch: counter.fetch,
    });
    const { payload, header } = await verifier.verify(token);
    expect(payload.sub).toBe(sub);
    expect(payload.scope).toBe('profile vault');
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(counter.count('/.well-known/openid-configuration')).toBe(1);
    expect(counter.count('/.well-known/jwks.json')).toBe(1);
  });

  it('refuses a token for another audience or issuer', async () => {
    const { token } = await tessera.user();
    const other = createVerifier({ issuer: tessera.issuer, audience: 'https://other.example' });
    await expect(other.verify(token)).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
    });
    // The discovery document is for http://localhost:<port>, not for this spelling of it.
    const wrong = createVerifier({ issuer: tessera.url, audience: tessera.issuer });
    await expect(wrong.verify(token)).rejects.toMatchObject({ code: 'ERR_JWKS_INVALID' });
  });

  it('turns a flood of random kids into at most one JWKS fetch', async () => {
    const { token } = await tessera.user();
    const counter = countingFetch();
    // cooldownMs 0: even with no cooldown at all, concurrent misses share one fetch.
    const verifier = createVerifier({
      issuer: tessera.issuer,
      audience: tessera.issuer,
      fetch: counter.fetch,
      cooldownMs: 0,
    });
    await verifier.verify(token);
    const servedBefore = await servedJwks(tessera);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const now = Math.floor(Date.now() / 1000);
    const forged = Array.from({ length: 1000 }, () =>
      signJwt(
        { iss: tessera.issuer, aud: tessera.issuer, sub: 'x', iat: now, exp: now + 60, jti: 'j' },
        { kid: randomUUID(), alg: 'ES256', key: privateKey },
      ),
    );
    const results = await Promise.allSettled(forged.map((t) => verifier.verify(t)));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(counter.count('/.well-known/jwks.json')).toBe(2);
    // The server agrees: 1000 forged tokens cost it one JWKS request.
    expect((await servedJwks(tessera)) - servedBefore).toBe(1);

    // With the default 30 s cooldown, a second flood right after fetches nothing.
    const guarded = createVerifier({
      issuer: tessera.issuer,
      audience: tessera.issuer,
      fetch: counter.fetch,
    });
    await guarded.verify(token);
    const before = counter.count('/.well-known/jwks.json');
    for (let wave = 0; wave < 3; wave++) {
      await Promise.allSettled(forged.map((t) => guarded.verify(t)));
    }
    expect(counter.count('/.well-known/jwks.json')).toBe(before);
  });

  it('follows `keys rotate` and `keys import --activate` without a restart', async () => {
    const { token: first, email } = await tessera.user();
    const counter = countingFetch();
    const verifier = createVerifier({
      issuer: tessera.issuer,
      audience: tessera.issuer,
      fetch: counter.fetch,
      cooldownMs: 200,
    });
    await verifier.verify(first);
    expect(counter.count('jwks.json')).toBe(1);

    // Rotation: the `next` key was published before it signed, so no fetch is needed.
    const rotated = await tessera.cli(['keys', 'rotate']);
    expect(rotated.code).toBe(0);
    const second = await tokenWithNewKey(tessera, email, headerOf(first).kid);
    expect(headerOf(second).kid).toBe(JSON.parse(rotated.stdout).active);
    await expect(verifier.verify(second)).resolves.toBeTruthy();
    expect(counter.count('jwks.json')).toBe(1);
    // Tokens of the retired key keep verifying until they expire.
    await expect(verifier.verify(first)).resolves.toBeTruthy();

    // A key nobody has seen: the unknown kid makes the verifier refetch (after the cooldown).
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const file = join(tessera.env.TESSERA_DATA_DIR!, 'surprise.jwk');
    await writeFile(file, JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'surprise-1' }));
    const imported = await tessera.cli(['keys', 'import', file, '--activate']);
    expect(imported.code, imported.stderr).toBe(0);
    const third = await tokenWithNewKey(tessera, email, headerOf(second).kid);
    expect(headerOf(third).kid).toBe('surprise-1');
    await new Promise((r) => setTimeout(r, 250));
    const { header } = await verifier.verify(third);
    expect(header.kid).toBe('surprise-1');
    expect(counter.count('jwks.json')).toBe(2);
  });
});

describe('createVerifier against an HS256 Tessera', () => {
  let tessera: Tessera;
  beforeAll(async () => {
    tessera = await startTessera('HS256');
  });
  afterAll(async () => {
    await tessera?.stop();
  });

  it('finds no published key (the secret is never in the JWKS) and refuses the token', async () => {
    const { token } = await tessera.user();
    expect(headerOf(token).alg).toBe('HS256');
    const jwks = (await (await fetch(`${tessera.url}/.well-known/jwks.json`)).json()) as {
      keys: unknown[];
    };
    expect(jwks.keys).toEqual([]);
    const verifier = createVerifier({ issuer: tessera.issuer, audience: tessera.issuer });
    // HS256 is not an accepted algorithm of a JWKS verifier: refused before any key lookup.
    await expect(verifier.verify(token)).rejects.toMatchObject({
      code: 'ERR_JOSE_ALG_NOT_ALLOWED',
    });
  });
});
