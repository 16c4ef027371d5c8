/**
 * The black-box harness of the attack suite: a real `tessera serve` over a socket, with a
 * signing key we imported ourselves (so a test can sign tokens whose claims are wrong but whose
 * signature is right, and the check under test is the only thing that can refuse them).
 */
import type { ChildProcess } from 'node:child_process';
import {
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli, startServe } from '../../packages/server/test/helpers/cli.js';

export const ISSUER = 'http://localhost:8080';
export const ALLOWED_ORIGIN = 'https://app.tessera.test';
export const PASSWORD = 'correct horse battery staple';

export interface Target {
  url: string;
  /** The key we imported and activated: we can sign anything the server would. */
  es: { kid: string; privateKey: KeyObject; publicKey: KeyObject };
  /** An RSA key imported as `next` (published in the JWKS, never signing): for RSA confusions. */
  rs: { kid: string; privateKey: KeyObject; publicKey: KeyObject };
  env: Record<string, string>;
  /** Everything the server wrote on stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

async function importKey(
  env: Record<string, string>,
  dir: string,
  privateKey: KeyObject,
  alg: string,
  activate: boolean,
): Promise<string> {
  const file = join(dir, `${alg}.jwk`);
  await writeFile(file, JSON.stringify({ ...privateKey.export({ format: 'jwk' }), alg }));
  const res = await runCli(['keys', 'import', file, ...(activate ? ['--activate'] : [])], env);
  if (res.code !== 0) throw new Error(`keys import failed: ${res.stderr}`);
  return (JSON.parse(res.stdout) as { kid: string }).kid;
}

/** Starts one server (SQLite in a temp dir) with our ES256 key active and an RSA key published. */
export async function startTarget(extra: Record<string, string> = {}): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-sec-'));
  const env: Record<string, string> = {
    TESSERA_DATA_DIR: join(dir, 'data'),
    TESSERA_MASTER_KEY: randomBytes(32).toString('base64url'),
    TESSERA_ISSUER: ISSUER,
    TESSERA_ALLOWED_ORIGINS: ALLOWED_ORIGIN,
    TESSERA_AUTH_RATE_LIMIT: '100000',
    TESSERA_LOGIN_MAX_PER_ADDRESS: '100000',
    TESSERA_LOGIN_MAX_PER_ACCOUNT: '100000',
    TESSERA_HASH_CONCURRENCY: '1',
    LOG_LEVEL: 'debug',
    ...extra,
  };
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const esKid = await importKey(env, dir, ec.privateKey, 'ES256', true);
  const rsKid = await importKey(env, dir, rsa.privateKey, 'RS256', false);
  const { child, url, output } = await startServe(env);
  return {
    url,
    es: { kid: esKid, ...ec },
    rs: { kid: rsKid, ...rsa },
    env,
    output,
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await once(child, 'exit');
  clearTimeout(timer);
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test convenience over arbitrary JSON bodies
  json: any;
}

export interface CallOptions {
  body?: unknown;
  /** Sent as-is (no JSON encoding, no content type unless given). */
  raw?: string | Uint8Array;
  token?: string;
  headers?: Record<string, string>;
}

/** One HTTP call; the body is read whole and parsed when it is JSON. */
export async function call(
  t: Pick<Target, 'url'>,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  let body: string | Uint8Array | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${t.url}${path}`, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export interface Account {
  email: string;
  password: string;
  id: string;
  access: string;
  refresh: string;
  sid: string;
}

/** Registers a fresh user and logs in. */
export async function signUp(t: Target, email = freshEmail(), password = PASSWORD) {
  const reg = await call(t, 'POST', '/v1/auth/register', { body: { email, password } });
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${reg.text}`);
  return logIn(t, email, password);
}

export async function logIn(t: Target, email: string, password = PASSWORD): Promise<Account> {
  const res = await call(t, 'POST', '/v1/auth/login', { body: { email, password } });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${res.text}`);
  return {
    email,
    password,
    id: res.json.user.id,
    access: res.json.access_token,
    refresh: res.json.refresh_token,
    sid: res.json.session_id,
  };
}

export function freshEmail(): string {
  return `u-${randomBytes(6).toString('hex')}@example.com`;
}

export const b64u = (v: string | Uint8Array) => Buffer.from(v).toString('base64url');
export const json64 = (v: unknown) => b64u(JSON.stringify(v));

/** Claims the server would issue for `who` right now, with overrides (`undefined` removes). */
export function claimsFor(who: Account, overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  const merged: Record<string, unknown> = {
    iss: ISSUER,
    sub: who.id,
    aud: ISSUER,
    exp: now + 600,
    iat: now,
    jti: randomBytes(8).toString('hex'),
    sid: who.sid,
    scope: 'profile vault',
    ...overrides,
  };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  return merged;
}

/** Compact JWS over arbitrary header and payload text, signed with our ES256 key (raw r||s). */
export function signEs(t: Target, header: unknown, payload: unknown): string {
  const h = typeof header === 'string' ? header : json64(header);
  const p = typeof payload === 'string' ? payload : json64(payload);
  const sig = cryptoSign('sha256', Buffer.from(`${h}.${p}`), {
    key: t.es.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${h}.${p}.${b64u(sig)}`;
}

/** A token exactly as the server would sign it for `who`, with header and claim overrides. */
export function forge(
  t: Target,
  who: Account,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): string {
  const h: Record<string, unknown> = { alg: 'ES256', typ: 'at+jwt', kid: t.es.kid, ...header };
  for (const [k, v] of Object.entries(h)) if (v === undefined) delete h[k];
  return signEs(t, h, claimsFor(who, claims));
}

export { createPrivateKey, createPublicKey };

/** The one refusal of every bad bearer token (SPEC §2.2): same status, body and challenge. */
export async function expectInvalidToken(t: Target, token: string, path = '/v1/me') {
  const res = await call(t, 'GET', path, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status, res.text).toBe(401);
  expect(res.json).toEqual(INVALID_TOKEN_BODY.json);
  expect(res.headers.get('www-authenticate') ?? '').toContain('error="invalid_token"');
  return res;
}

/** Filled in by the first refusal a file sees; every later one must be byte-identical. */
export const INVALID_TOKEN_BODY: { json: unknown } = { json: undefined };

export async function learnInvalidTokenBody(t: Target): Promise<void> {
  const res = await call(t, 'GET', '/v1/me', { headers: { authorization: 'Bearer x.y.z' } });
  expect(res.status).toBe(401);
  expect(res.json.error).toBe('invalid_token');
  INVALID_TOKEN_BODY.json = res.json;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
