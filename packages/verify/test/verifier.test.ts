import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createVerifier, type JwtKey, signJwt } from '../src/index.js';
import { keyPair } from './helpers.js';
import { AUDIENCE, DISCOVERY, fakeIssuer, ISSUER, JWKS_URI, rejection } from './issuer-helpers.js';

describe('createVerifier: discovery and key fetching', () => {
  it('discovers jwks_uri, fetches the JWKS once, and verifies', async () => {
    const issuer = fakeIssuer();
    const verifier = createVerifier(issuer.options());
    expect(issuer.calls).toEqual([]); // nothing is fetched until needed
    const { payload, header } = await verifier.verify(issuer.sign({ sub: 'ada' }));
    expect(payload.sub).toBe('ada');
    expect(header.typ).toBe('at+jwt');
    await verifier.verify(issuer.sign());
    expect(issuer.calls).toEqual([DISCOVERY, JWKS_URI]);
    expect(verifier.fetches).toBe(1);
  });

  it('uses jwksUri when given, without discovery', async () => {
    const issuer = fakeIssuer();
    const verifier = createVerifier(issuer.options({ jwksUri: new URL(JWKS_URI) }));
    await verifier.verify(issuer.sign());
    expect(issuer.calls).toEqual([JWKS_URI]);
  });

  it('refuses a discovery document for another issuer, and fetches no JWKS', async () => {
    const issuer = fakeIssuer();
    issuer.discovery = { issuer: 'https://evil.example', jwks_uri: JWKS_URI };
    const verifier = createVerifier(issuer.options());
    expect(await rejection(verifier.verify(issuer.sign()))).toBe('ERR_JWKS_INVALID');
    expect(issuer.calls).toEqual([DISCOVERY]);
  });

  it('refuses a discovery document without an http(s) jwks_uri', async () => {
    const issuer = fakeIssuer();
    issuer.discovery = { issuer: ISSUER, jwks_uri: 'file:///etc/passwd' };
    const verifier = createVerifier(issuer.options());
    expect(await rejection(verifier.verify(issuer.sign()))).toBe('ERR_JWKS_INVALID');
  });

  it('shares one fetch between concurrent first calls', async () => {
    const issuer = fakeIssuer();
    issuer.delayMs = 20;
    const verifier = createVerifier(issuer.options());
    const tokens = Array.from({ length: 50 }, () => issuer.sign());
    await Promise.all(tokens.map((t) => verifier.verify(t)));
    expect(issuer.calls).toEqual([DISCOVERY, JWKS_URI]);
  });

  it('never fetches a URL named in the token (jku, x5u)', async () => {
    const issuer = fakeIssuer();
    const verifier = createVerifier(issuer.options());
    const key = issuer.keys[0]!;
    const header = { alg: key.alg, typ: 'at+jwt', kid: 'other', jku: 'https://evil.example/jwks' };
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const token = `${b64(header)}.${b64({ iss: ISSUER })}.c2ln`;
    expect(await rejection(verifier.verify(token))).toBe('ERR_JOSE_NOT_SUPPORTED');
    expect(issuer.calls.some((u) => u.includes('evil'))).toBe(false);
  });

  it('answers ERR_JWKS_UNAVAILABLE for a network error, a non-200, a timeout or an oversized body', async () => {
    const cases: Array<[string, (i: ReturnType<typeof fakeIssuer>) => void, object]> = [
      [
        'network',
        (i) => (i.jwksResponse = () => Promise.reject(new TypeError('fetch failed'))),
        {},
      ],
      ['status', (i) => (i.jwksResponse = () => new Response('{}', { status: 500 })), {}],
      ['redirect', (i) => (i.jwksResponse = () => new Response(null, { status: 302 })), {}],
      ['timeout', (i) => (i.delayMs = 200), { timeoutMs: 20 }],
      [
        'size',
        (i) => (i.jwksResponse = () => new Response(`{"keys":[],"pad":"${'x'.repeat(5000)}"}`)),
        { maxResponseBytes: 1000 },
      ],
    ];
    for (const [name, arrange, options] of cases) {
      const issuer = fakeIssuer();
      arrange(issuer);
      const verifier = createVerifier(issuer.options({ jwksUri: JWKS_URI, ...options }));
      expect([name, await rejection(verifier.verify(issuer.sign()))]).toEqual([
        name,
        'ERR_JWKS_UNAVAILABLE',
      ]);
    }
  });

  it('answers ERR_JWKS_INVALID for a body that is not a JWKS', async () => {
    for (const body of ['not json', '[]', '{"keys":{}}', 'null']) {
      const issuer = fakeIssuer();
      issuer.jwksResponse = () => new Response(body);
      const verifier = createVerifier(issuer.options({ jwksUri: JWKS_URI }));
      expect(await rejection(verifier.verify(issuer.sign()))).toBe('ERR_JWKS_INVALID');
    }
  });

  it('after a failed fetch, waits before trying again (no fetch per request)', async () => {
    const issuer = fakeIssuer();
    issuer.jwksResponse = () => new Response('', { status: 503 });
    let now = Date.now();
    const verifier = createVerifier(issuer.options({ jwksUri: JWKS_URI, now: () => now }));
    for (let i = 0; i < 20; i++) {
      expect(await rejection(verifier.verify(issuer.sign()))).toBe('ERR_JWKS_UNAVAILABLE');
    }
    expect(issuer.calls).toHaveLength(1);
    issuer.jwksResponse = undefined;
    now += 5_001;
    expect(await rejection(verifier.verify(issuer.sign()))).toBe('accepted');
    expect(issuer.calls).toHaveLength(2);
  });
});

describe('createVerifier: unknown kids and rotation', () => {
  it('a flood of random kids costs at most one refetch per cooldown', async () => {
    const issuer = fakeIssuer();
    issuer.delayMs = 5;
    let now = Date.now();
    const verifier = createVerifier(issuer.options({ now: () => now, cooldownMs: 30_000 }));
    await verifier.verify(issuer.sign());
    expect(verifier.fetches).toBe(1);

    const stranger = keyPair('ES256', 'stranger').signing;
    const flood = () =>
      Array.from({ length: 500 }, () =>
        issuer.sign({}, { ...stranger, kid: randomUUID() } satisfies JwtKey),
      );
    // The first fetch was just now: inside the cooldown nothing is fetched at all.
    const first = await Promise.all(flood().map((t) => rejection(verifier.verify(t))));
    expect(new Set(first)).toEqual(new Set(['ERR_JWKS_NO_MATCHING_KEY']));
    expect(verifier.fetches).toBe(1);

    // Past the cooldown, 500 concurrent misses share one fetch.
    now += 30_000;
    const second = await Promise.all(flood().map((t) => rejection(verifier.verify(t))));
    expect(new Set(second)).toEqual(new Set(['ERR_JWKS_NO_MATCHING_KEY']));
    expect(verifier.fetches).toBe(2);
    // ...and the ones right after are held back again.
    await Promise.all(flood().map((t) => rejection(verifier.verify(t))));
    expect(verifier.fetches).toBe(2);
    expect(issuer.calls.filter((u) => u === JWKS_URI)).toHaveLength(2);
  });

  it('picks up a new key on an unknown kid once the cooldown allows', async () => {
    const issuer = fakeIssuer();
    let now = Date.now();
    const verifier = createVerifier(issuer.options({ now: () => now, cooldownMs: 1_000 }));
    await verifier.verify(issuer.sign());
    const next = keyPair('EdDSA', 'rotated').signing;
    issuer.keys = [...issuer.keys, next];
    const token = issuer.sign({}, next);
    expect(await rejection(verifier.verify(token))).toBe('ERR_JWKS_NO_MATCHING_KEY');
    now += 1_000;
    expect(await rejection(verifier.verify(token))).toBe('accepted');
  });

  it('refreshes a stale key set in the background; a removed key stops verifying, cached or not', async () => {
    const old = keyPair('ES256', 'old').signing;
    const fresh = keyPair('ES256', 'fresh').signing;
    const issuer = fakeIssuer([old, fresh]);
    let now = Date.now();
    const verifier = createVerifier(
      issuer.options({ now: () => now, cacheMaxAgeMs: 60_000, cooldownMs: 1_000 }),
    );
    const oldToken = issuer.sign({}, old);
    await verifier.verify(oldToken); // now in the verified-token cache
    issuer.keys = [fresh];
    now += 60_001;
    // Even a cache hit starts the background refresh of a stale set.
    await verifier.verify(oldToken);
    await new Promise((r) => setTimeout(r, 10));
    expect(verifier.fetches).toBe(2);
    expect(await rejection(verifier.verify(oldToken))).toBe('ERR_JWKS_NO_MATCHING_KEY');
  });

  it('binds each kid to the alg its JWK names', async () => {
    const ed = keyPair('EdDSA', 'ed').signing;
    const issuer = fakeIssuer([ed]);
    const verifier = createVerifier(issuer.options());
    // A token that claims ES256 under the EdDSA key's kid.
    const es = keyPair('ES256', 'es').signing;
    const token = issuer.sign({}, { ...es, kid: 'ed' });
    expect(await rejection(verifier.verify(token))).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
  });

  it('only accepts the configured algorithms', async () => {
    const rsa = keyPair('RS256', 'rsa').signing;
    const issuer = fakeIssuer([rsa]);
    const verifier = createVerifier(issuer.options({ algorithms: ['ES256'] }));
    expect(await rejection(verifier.verify(issuer.sign({}, rsa)))).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
  });
});

describe('createVerifier: claims, cache and sync use', () => {
  it('checks issuer, audience, typ and required claims', async () => {
    const issuer = fakeIssuer();
    const verifier = createVerifier(issuer.options());
    expect(await rejection(verifier.verify(issuer.sign({ iss: 'https://other' })))).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    );
    expect(await rejection(verifier.verify(issuer.sign({ aud: 'https://other' })))).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    );
    expect(await rejection(verifier.verify(issuer.sign({ jti: undefined })))).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    );
    const key = issuer.keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    const idToken = signJwt(
      { iss: ISSUER, aud: AUDIENCE, sub: 'a', iat: now, exp: now + 60, jti: 'j' },
      key,
      { typ: 'JWT' },
    );
    expect(await rejection(verifier.verify(idToken))).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED');
  });

  it('never serves a cached token at or past its exp', async () => {
    const issuer = fakeIssuer();
    let now = Date.now();
    const verifier = createVerifier(issuer.options({ now: () => now, clockTolerance: 0 }));
    const exp = Math.floor(now / 1000) + 10;
    const token = issuer.sign({ exp });
    await verifier.verify(token);
    await verifier.verify(token);
    now = exp * 1000;
    expect(await rejection(verifier.verify(token))).toBe('ERR_JWT_EXPIRED');
  });

  it('returns frozen results (they may be shared through the cache)', async () => {
    const issuer = fakeIssuer();
    const verifier = createVerifier(issuer.options());
    const token = issuer.sign();
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).toBe(first);
    expect(Object.isFrozen(first.payload)).toBe(true);
    const uncached = createVerifier(issuer.options({ cache: false }));
    expect(await uncached.verify(token)).not.toBe(await uncached.verify(token));
  });

  it('verifySync works once keys are loaded, and refetches in the background on an unknown kid', async () => {
    const issuer = fakeIssuer();
    let now = Date.now();
    const verifier = createVerifier(issuer.options({ now: () => now, cooldownMs: 1_000 }));
    expect(() => verifier.verifySync(issuer.sign())).toThrow(
      expect.objectContaining({ code: 'ERR_JWKS_UNAVAILABLE' }),
    );
    await verifier.ready();
    expect(verifier.loaded).toBe(true);
    expect(verifier.verifySync(issuer.sign({ sub: 'x' })).payload.sub).toBe('x');
    const added = keyPair('PS256', 'added').signing;
    issuer.keys = [...issuer.keys, added];
    now += 1_000;
    expect(() => verifier.verifySync(issuer.sign({}, added))).toThrow(
      expect.objectContaining({ code: 'ERR_JWKS_NO_MATCHING_KEY' }),
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(verifier.verifySync(issuer.sign({}, added)).payload.sub).toBe('user-1');
  });

  it('throws TypeError for bad options', () => {
    const good = { issuer: ISSUER, audience: AUDIENCE };
    expect(() => createVerifier({ ...good, issuer: 'auth.example' })).toThrow(TypeError);
    expect(() => createVerifier({ ...good, audience: '' })).toThrow(TypeError);
    expect(() => createVerifier({ ...good, algorithms: ['HS256'] })).toThrow(TypeError);
    expect(() => createVerifier({ ...good, algorithms: [] })).toThrow(TypeError);
    expect(() => createVerifier({ ...good, jwksUri: 'ftp://x' })).toThrow(TypeError);
    expect(() => createVerifier({ ...good, cooldownMs: -1 })).toThrow(TypeError);
    expect(() => createVerifier({ ...good, cache: { maxEntries: 1.5 } })).toThrow(TypeError);
  });
});
