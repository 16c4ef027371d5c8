import { describe, expect, it } from 'vitest';
import { loadConfig, resolveListeningPort } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('has the defaults of SPEC §1', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: undefined,
      issuer: 'http://localhost:8080',
      audience: 'http://localhost:8080',
      signingAlg: 'ES256',
      accessTtl: 900,
      sessionTtl: 1_209_600,
      refreshReuseWindow: 10,
      allowedOrigins: ['http://localhost:8080'],
      trustProxy: false,
      logLevel: 'info',
    });
    expect(c.dataDir.endsWith('/data')).toBe(true);
  });

  it('derives issuer, audience and origins from the bound port when PORT=0', () => {
    const c = loadConfig({ PORT: '0' });
    resolveListeningPort(c, 43210);
    expect(c.issuer).toBe('http://localhost:43210');
    expect(c.audience).toBe('http://localhost:43210');
    expect(c.allowedOrigins).toEqual(['http://localhost:43210']);
  });

  it('keeps explicit values when the port is resolved', () => {
    const c = loadConfig({
      PORT: '0',
      TESSERA_ISSUER: 'https://id.example.com/',
      TESSERA_AUDIENCE: 'api',
    });
    resolveListeningPort(c, 1234);
    expect(c.issuer).toBe('https://id.example.com');
    expect(c.audience).toBe('api');
    expect(c.allowedOrigins).toEqual(['https://id.example.com']);
  });

  it('reports every mistake, one line each', () => {
    const found = problems({
      PORT: '99999',
      DATABASE_URL: 'mysql://x',
      TESSERA_SIGNING_ALG: 'none',
      TESSERA_ACCESS_TTL: '-5',
      TESSERA_ISSUER: 'ftp://x',
      TESSERA_ALLOWED_ORIGINS: 'https://ok.example.com,https://bad.example.com/path',
      TESSERA_TRUST_PROXY: 'maybe',
      LOG_LEVEL: 'loud',
    });
    expect(found).toHaveLength(8);
    for (const line of found) expect(line).not.toContain('\n');
  });

  it('refuses to start in production without a master key', () => {
    const found = problems({ NODE_ENV: 'production' });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('TESSERA_MASTER_KEY');
  });

  it('never echoes a malformed master key', () => {
    const found = problems({ TESSERA_MASTER_KEY: 'super-secret-but-too-short' });
    expect(found).toHaveLength(1);
    expect(found[0]).not.toContain('super-secret');
  });

  it('parses trust-proxy and origin lists', () => {
    const c = loadConfig({
      TESSERA_TRUST_PROXY: 'TRUE',
      TESSERA_ALLOWED_ORIGINS: ' https://a.example.com , http://localhost:5173 ',
    });
    expect(c.trustProxy).toBe(true);
    expect(c.allowedOrigins).toEqual(['https://a.example.com', 'http://localhost:5173']);
  });
});
