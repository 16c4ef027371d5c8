import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Algorithm } from '@tessera/verify';
import { defaultHashConcurrency } from './accounts/password.js';
import { ConfigError } from './errors.js';

export const SIGNING_ALGORITHMS = ['ES256', 'EdDSA', 'RS256', 'PS256', 'HS256'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Everything the server reads from its environment (SPEC §1), validated. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  /** base64url of 32 bytes, or undefined to generate one in development. */
  readonly masterKey: string | undefined;
  readonly production: boolean;
  /** `iss`; resolved after `listen()` when PORT=0 and TESSERA_ISSUER is unset. */
  issuer: string;
  audience: string;
  readonly issuerExplicit: boolean;
  readonly audienceExplicit: boolean;
  readonly signingAlg: Algorithm;
  readonly accessTtl: number;
  readonly sessionTtl: number;
  readonly refreshReuseWindow: number;
  allowedOrigins: readonly string[];
  readonly allowedOriginsExplicit: boolean;
  readonly trustProxy: boolean;
  readonly logLevel: LogLevel;
  /** Failed-login throttling (see accounts/throttle.ts). */
  readonly loginThrottle: { windowSeconds: number; maxPerAccount: number; maxPerAddress: number };
  /** Requests per minute per client address on /v1/auth/* (a coarse flood limit). */
  readonly authRateLimit: number;
  /** argon2 hashes running at once (default: cores - 1, at least 1). */
  readonly hashConcurrency: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates the configuration. Collects every problem before
 * throwing, so an operator fixes them all in one go, one line each.
 *
 * @example
 * const config = loadConfig(process.env);
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return def;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return def;
    }
    return Number(raw);
  };

  const port = int('PORT', 8080, 0, 65535);
  const host = str('HOST') ?? '127.0.0.1';
  const dataDir = resolve(str('TESSERA_DATA_DIR') ?? './data');

  const databaseUrl = str('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }

  const production = env.NODE_ENV === 'production';
  const masterKey = str('TESSERA_MASTER_KEY');
  if (masterKey !== undefined) {
    if (!/^[A-Za-z0-9_-]{43}$/.test(masterKey)) {
      // Never echo the value: it is the root secret.
      problems.push('TESSERA_MASTER_KEY must be 32 random bytes in base64url (43 characters)');
    }
  } else if (production) {
    problems.push(
      "TESSERA_MASTER_KEY is required when NODE_ENV=production (generate one with: node -e \"console.log(require('crypto').randomBytes(32).toString('base64url'))\")",
    );
  }

  const issuerRaw = str('TESSERA_ISSUER');
  let issuer = `http://localhost:${port}`;
  if (issuerRaw !== undefined) {
    const url = parseUrl(issuerRaw);
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash) {
      problems.push('TESSERA_ISSUER must be an http(s) URL without query or fragment');
    } else {
      issuer = issuerRaw.replace(/\/+$/, '');
    }
  }
  const audienceRaw = str('TESSERA_AUDIENCE');

  const alg = str('TESSERA_SIGNING_ALG') ?? 'ES256';
  if (!(SIGNING_ALGORITHMS as readonly string[]).includes(alg)) {
    problems.push(`TESSERA_SIGNING_ALG must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  }

  const accessTtl = int('TESSERA_ACCESS_TTL', 900, 1, 86_400);
  const sessionTtl = int('TESSERA_SESSION_TTL', 1_209_600, 1, 31_536_000);
  const refreshReuseWindow = int('TESSERA_REFRESH_REUSE_WINDOW', 10, 0, 300);

  const originsRaw = str('TESSERA_ALLOWED_ORIGINS');
  const allowedOrigins: string[] = [];
  for (const item of originsRaw?.split(',') ?? []) {
    const o = item.trim();
    if (o === '') continue;
    const url = parseUrl(o);
    if (!url || url.origin !== o.replace(/\/+$/, '')) {
      problems.push(`TESSERA_ALLOWED_ORIGINS: "${o}" is not an origin (scheme://host[:port])`);
    } else {
      allowedOrigins.push(url.origin);
    }
  }

  const trustRaw = (str('TESSERA_TRUST_PROXY') ?? 'false').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(trustRaw)) {
    problems.push('TESSERA_TRUST_PROXY must be true or false');
  }

  const loginThrottle = {
    windowSeconds: int('TESSERA_LOGIN_WINDOW', 900, 1, 86_400),
    maxPerAccount: int('TESSERA_LOGIN_MAX_PER_ACCOUNT', 10, 1, 100_000),
    maxPerAddress: int('TESSERA_LOGIN_MAX_PER_ADDRESS', 50, 1, 1_000_000),
  };
  const authRateLimit = int('TESSERA_AUTH_RATE_LIMIT', 120, 1, 1_000_000);
  const hashConcurrency = int('TESSERA_HASH_CONCURRENCY', defaultHashConcurrency(), 1, 256);

  const logLevel = (str('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }

  if (problems.length > 0) throw new ConfigError(problems);

  const config: Config = {
    port,
    host,
    dataDir,
    databaseUrl,
    masterKey,
    production,
    issuer,
    audience: audienceRaw ?? issuer,
    issuerExplicit: issuerRaw !== undefined,
    audienceExplicit: audienceRaw !== undefined,
    signingAlg: alg as Algorithm,
    accessTtl,
    sessionTtl,
    refreshReuseWindow,
    allowedOrigins: originsRaw === undefined ? [new URL(issuer).origin] : allowedOrigins,
    allowedOriginsExplicit: originsRaw !== undefined,
    trustProxy: trustRaw === 'true' || trustRaw === '1',
    logLevel: logLevel as LogLevel,
    loginThrottle,
    authRateLimit,
    hashConcurrency,
  };
  return config;
}

/**
 * With PORT=0 the issuer's default (`http://localhost:<PORT>`) is only known
 * once the socket is bound; fill in the defaults that derive from it.
 */
export function resolveListeningPort(config: Config, port: number): void {
  if (config.issuerExplicit) return;
  config.issuer = `http://localhost:${port}`;
  if (!config.audienceExplicit) config.audience = config.issuer;
  if (!config.allowedOriginsExplicit) config.allowedOrigins = [new URL(config.issuer).origin];
}

/** Loads `./.env` into the environment when present (variables already set win). */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

function parseUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}
