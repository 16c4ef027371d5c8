import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  memoryStore,
  SessionEndedError,
  type SessionEndReason,
  type StoredTokens,
  TesseraError,
} from '../src/index.js';
import { type RunningTestServer, recordingFetch, startTestServer } from './server.js';

const PASSWORD = 'correct horse battery';
const email = () => `sdk-${randomBytes(4).toString('hex')}@example.com`;
const refreshes = (calls: string[]) => calls.filter((c) => c === 'POST /v1/auth/refresh').length;

describe('@tessera/client against a real server (Node, body transport)', () => {
  let server: RunningTestServer;
  beforeAll(async () => {
    server = await startTestServer({
      TESSERA_ACCESS_TTL: '900',
      TESSERA_REFRESH_REUSE_WINDOW: '10',
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A signed-in client sharing the server's frozen clock. */
  async function signedIn(
    options: { now?: () => number; store?: ReturnType<typeof memoryStore> } = {},
  ) {
    const rec = recordingFetch();
    const client = createClient({
      baseUrl: server.url,
      fetch: rec.fetch,
      now: options.now ?? (() => server.now()),
      ...(options.store ? { store: options.store } : {}),
    });
    const ended: SessionEndReason[] = [];
    client.on('session-ended', ({ reason }) => ended.push(reason));
    const address = email();
    await client.register({ email: address, password: PASSWORD, name: 'Ada' });
    await client.login({ email: address, password: PASSWORD });
    return { client, calls: rec.calls, ended, address };
  }

  it('registers, logs in, reads and updates the profile', async () => {
    const { client, address } = await signedIn();
    expect(client.transport).toBe('body');
    const me = await client.me();
    expect(me.email).toBe(address);
    expect(me.name).toBe('Ada');
    const updated = await client.updateMe({ name: 'Ada L.', phone: '+919876543210' });
    expect(updated.name).toBe('Ada L.');
    expect(updated.phone).toMatch(/^\+91\*+10$/);
    expect(updated.phone_token).toBeTruthy();
    expect(await client.vault.reveal(updated.phone_token!)).toBe('+919876543210');
  });

  it('throws typed errors carrying the server codes', async () => {
    const { client, address } = await signedIn();
    const other = createClient({ baseUrl: server.url });
    await expect(
      other.login({ email: address, password: 'wrong password!' }),
    ).rejects.toMatchObject({
      name: 'TesseraError',
      error: 'invalid_credentials',
      status: 401,
    });
    await expect(other.register({ email: address, password: PASSWORD })).rejects.toMatchObject({
      error: 'email_taken',
      status: 409,
    });
    await expect(client.updateMe({ avatar_url: 'javascript:alert(1)' })).rejects.toMatchObject({
      error: 'invalid_request',
    });
    await expect(other.me()).rejects.toBeInstanceOf(TesseraError);
    const offline = createClient({ baseUrl: 'http://127.0.0.1:1' });
    await expect(offline.login({ email: address, password: PASSWORD })).rejects.toMatchObject({
      error: 'network_error',
      status: 0,
    });
  });

  it('20 parallel fetches at expiry share exactly one refresh', async () => {
    const { client, calls } = await signedIn();
    server.advance(900_000); // the access token has expired on both clocks
    const results = await Promise.all(Array.from({ length: 20 }, () => client.fetch('/v1/me')));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(refreshes(calls)).toBe(1);
  });

  it('refreshes shortly before expiry, not after', async () => {
    const { client, calls } = await signedIn();
    server.advance(900_000 - 31_000);
    await client.me();
    expect(refreshes(calls)).toBe(0);
    server.advance(2_000); // inside the 30 s margin
    await client.me();
    expect(refreshes(calls)).toBe(1);
  });

  it('on a 401 refreshes once and retries; 20 parallel 401s still refresh once', async () => {
    const clientClock = server.now();
    const { client, calls } = await signedIn({ now: () => clientClock });
    // The server's clock runs ahead: the token the client still trusts is refused.
    server.advance(1_000_000);
    const res = await client.fetch('/v1/me');
    expect(res.status).toBe(200);
    expect(refreshes(calls)).toBe(1);
    expect(calls.filter((c) => c === 'GET /v1/me')).toHaveLength(2);

    server.advance(1_000_000);
    const all = await Promise.all(Array.from({ length: 20 }, () => client.fetch('/v1/me')));
    expect(all.every((r) => r.status === 200)).toBe(true);
    expect(refreshes(calls)).toBe(2);
  });

  it('retries a POST with its body after the refresh', async () => {
    const clientClock = server.now();
    const { client } = await signedIn({ now: () => clientClock });
    server.advance(1_000_000);
    const record = await client.vault.tokenize({ type: 'text', value: 'retry me' });
    expect(record.masked).toBe('[redacted]');
    expect(await client.vault.reveal(record.token)).toBe('retry me');
  });

  it('emits session-ended "revoked" and clears the tokens when another device revokes it', async () => {
    const { client: a, address } = await signedIn();
    const b = createClient({ baseUrl: server.url, now: () => server.now() });
    const ended: SessionEndReason[] = [];
    b.on('session-ended', ({ reason }) => ended.push(reason));
    await b.login({ email: address, password: PASSWORD });
    const { sessions } = await a.sessions.list();
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const bSession = sessions.find((s) => !s.current)!;
    await a.sessions.revoke(bSession.id);
    const err = await b.me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionEndedError);
    expect(err).toMatchObject({ error: 'invalid_grant', reason: 'revoked' });
    expect(ended).toEqual(['revoked']);
    expect(await b.isSignedIn()).toBe(false);
    await expect(a.me()).resolves.toMatchObject({ email: address });
  });

  it('revokeOthers ends every other session and keeps this one', async () => {
    const { client: a, address } = await signedIn();
    const b = createClient({ baseUrl: server.url, now: () => server.now() });
    await b.login({ email: address, password: PASSWORD });
    await a.sessions.revokeOthers();
    expect((await a.sessions.list()).sessions).toHaveLength(1);
    await expect(b.me()).rejects.toMatchObject({ reason: 'revoked' });
  });

  it('emits session-ended "reused" when a spent refresh token is presented after the window', async () => {
    const store = memoryStore();
    const { client, ended } = await signedIn({ store });
    const first = (await store.get()) as StoredTokens;
    server.advance(900_000);
    await client.me(); // rotates: the first refresh token is now spent
    const second = (await store.get()) as StoredTokens;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    // A stale copy of the store (another process, a backup) comes back after the window.
    server.advance(900_000);
    await store.set({ ...first, expiresAt: 0 });
    await expect(client.me()).rejects.toMatchObject({ error: 'invalid_grant', reason: 'reused' });
    expect(ended).toEqual(['reused']);
    // Reuse detection ended the whole session: the newest token is dead too.
    const thief = createClient({ baseUrl: server.url, store: memoryStore() });
    const res = await fetch(`${server.url}/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: second.refreshToken }),
    });
    expect(res.status).toBe(401);
    expect(await thief.isSignedIn()).toBe(false);
  });

  it('concurrent refreshes inside the reuse window keep the session (no false reuse)', async () => {
    const { client, calls, ended } = await signedIn();
    server.advance(900_000);
    await Promise.all([client.me(), client.sessions.list(), client.vault.list()]);
    expect(refreshes(calls)).toBe(1);
    expect(ended).toEqual([]);
  });

  it('logout ends the session on the server and emits "logout"', async () => {
    const store = memoryStore();
    const { client, ended } = await signedIn({ store });
    const held = (await store.get()) as StoredTokens;
    await client.logout();
    expect(ended).toEqual(['logout']);
    expect(await client.isSignedIn()).toBe(false);
    await expect(client.me()).rejects.toMatchObject({ error: 'invalid_token' });
    const res = await fetch(`${server.url}/v1/me`, {
      headers: { authorization: `Bearer ${held.accessToken}` },
    });
    expect(res.status).toBe(401);
  });

  it('restores a session from a pluggable store (a restarted process)', async () => {
    const store = memoryStore();
    const { address } = await signedIn({ store });
    const restarted = createClient({ baseUrl: server.url, store, now: () => server.now() });
    await expect(restarted.restore()).resolves.toMatchObject({ email: address });
    server.advance(900_000);
    const again = createClient({ baseUrl: server.url, store, now: () => server.now() });
    await expect(again.restore()).resolves.toMatchObject({ email: address });
    expect(await createClient({ baseUrl: server.url }).restore()).toBeNull();
  });

  it('emits signed-in on login and restore, and refresh on each network refresh', async () => {
    const store = memoryStore();
    const { address } = await signedIn({ store });
    const restarted = createClient({ baseUrl: server.url, store, now: () => server.now() });
    const events: string[] = [];
    restarted.on('signed-in', ({ user }) => events.push(`signed-in ${user?.email}`));
    const off = restarted.on('refresh', () => events.push('refresh'));
    server.advance(900_000);
    await restarted.restore();
    off();
    server.advance(900_000);
    await restarted.me();
    expect(events).toEqual(['refresh', `signed-in ${address}`]);
  });

  it('sends the token only to apiOrigins besides its own', async () => {
    const { client: plain } = await signedIn();
    const other = 'http://127.0.0.1:9';
    await expect(plain.fetch(`${other}/x`)).rejects.toBeInstanceOf(TypeError);
    const rec = recordingFetch();
    const allowed = createClient({
      baseUrl: server.url,
      apiOrigins: [server.url.replace('127.0.0.1', 'localhost')],
      fetch: rec.fetch,
    });
    const address = email();
    await allowed.register({ email: address, password: PASSWORD });
    await allowed.login({ email: address, password: PASSWORD });
    const res = await allowed.fetch(`${server.url.replace('127.0.0.1', 'localhost')}/v1/me`);
    expect(res.status).toBe(200);
  });

  it('never sends the access token to a foreign origin', async () => {
    const { client, calls } = await signedIn();
    await expect(client.fetch('https://evil.example/steal')).rejects.toBeInstanceOf(TypeError);
    expect(calls.some((c) => c.includes('steal'))).toBe(false);
  });

  it('vault: tokenize, batch, list, get, detokenize, delete', async () => {
    const { client } = await signedIn();
    const card = await client.vault.tokenize({ type: 'card', value: '4111 1111 1111 1111' });
    expect(card.token).toMatch(/^\d{16}$/);
    expect(card.token.endsWith('1111')).toBe(true);
    expect(card.masked).toBe('************1111');
    const batch = await client.vault.batch([
      { type: 'ssn', value: '123-45-6789' },
      { type: 'card', value: '1234' },
    ]);
    expect(batch.results[0]).toMatchObject({ type: 'ssn', masked: '***-**-6789' });
    expect(batch.results[1]).toMatchObject({ error: 'invalid_request' });
    const list = await client.vault.list({ type: 'card', limit: 10 });
    expect(list.items.map((i) => i.token)).toContain(card.token);
    await expect(client.vault.get(card.token)).resolves.toMatchObject({ masked: card.masked });
    const out = await client.vault.detokenize([card.token], 'test');
    expect(out.results[0]).toMatchObject({
      token: card.token,
      value: '4111 1111 1111 1111'.replaceAll(' ', ''),
    });
    await client.vault.delete(card.token);
    await expect(client.vault.get(card.token)).rejects.toMatchObject({
      error: 'not_found',
      status: 404,
    });
  });
});

describe('@tessera/client: session expiry', () => {
  let server: RunningTestServer;
  beforeAll(async () => {
    server = await startTestServer({ TESSERA_ACCESS_TTL: '60', TESSERA_SESSION_TTL: '300' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('emits session-ended "expired" after the absolute session lifetime', async () => {
    const client = createClient({ baseUrl: server.url, now: () => server.now() });
    const ended: SessionEndReason[] = [];
    client.on('session-ended', ({ reason }) => ended.push(reason));
    const address = email();
    await client.register({ email: address, password: PASSWORD });
    await client.login({ email: address, password: PASSWORD });
    await client.sessions.list(); // the client learns the session's expiry
    for (let i = 0; i < 4; i++) {
      server.advance(60_000);
      await client.me(); // keeps working across refreshes
    }
    server.advance(120_000);
    await expect(client.me()).rejects.toMatchObject({ reason: 'expired' });
    expect(ended).toEqual(['expired']);
  });
});
