import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { testDatabases } from './helpers/databases.js';

describe('tessera CLI usage', () => {
  it('prints help and exits 0 with --help, 2 with nothing', async () => {
    const help = await runCli(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('keys rotate');
    expect((await runCli([], {})).code).toBe(2);
  });

  it('has --help on every command', async () => {
    for (const cmd of [
      'serve',
      'migrate',
      'user create',
      'keys list',
      'keys rotate',
      'keys import',
      'token decode',
      'token verify',
    ]) {
      const res = await runCli([...cmd.split(' '), '--help'], {});
      expect(res.code, cmd).toBe(0);
      expect(res.stdout).toContain('Usage: tessera');
    }
  });

  it('exits 2 on an unknown command or flag', async () => {
    expect((await runCli(['frobnicate'], {})).code).toBe(2);
    const res = await runCli(['keys', 'list', '--colour'], {});
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--colour');
  });

  it('exits 1 with one line per mistake on bad configuration', async () => {
    const res = await runCli(['serve'], { PORT: 'eighty', TESSERA_SIGNING_ALG: 'none' });
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(2);
    expect(res.stderr).toContain('PORT');
  });

  it('refuses to serve in production without a master key', async () => {
    const res = await runCli(['serve'], {
      NODE_ENV: 'production',
      TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tessera-')),
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('TESSERA_MASTER_KEY is required');
  });

  it('decodes a token without verifying, and fails on garbage', async () => {
    const token = `${Buffer.from('{"alg":"ES256","typ":"at+jwt","kid":"k"}').toString('base64url')}.${Buffer.from('{"sub":"u","exp":1}').toString('base64url')}.c2ln`;
    const ok = await runCli(['token', 'decode', token], {});
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({
      header: { alg: 'ES256', typ: 'at+jwt', kid: 'k' },
      payload: { sub: 'u', exp: 1 },
    });
    const bad = await runCli(['token', 'decode', 'not-a-jwt'], {});
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe.each(testDatabases)('tessera CLI on $name', (db) => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const created = await db.create();
    drop = created.drop;
    env = {
      TESSERA_DATA_DIR: created.dataDir,
      TESSERA_MASTER_KEY: randomBytes(32).toString('base64url'),
      ...(created.databaseUrl ? { DATABASE_URL: created.databaseUrl } : {}),
    };
  });
  afterAll(async () => {
    await drop?.();
  });

  it('migrates, then has nothing left to apply', async () => {
    const first = await runCli(['migrate'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).applied.length).toBeGreaterThan(0);
    const second = await runCli(['migrate'], env);
    expect(JSON.parse(second.stdout).applied).toEqual([]);
  });

  it('creates a user with the password from stdin, and an admin', async () => {
    const res = await runCli(
      ['user', 'create', '--email', 'Cli@Example.com', '--name', 'Cli'],
      env,
      'cli password 1\n',
    );
    expect(res.code, res.stderr).toBe(0);
    const user = JSON.parse(res.stdout);
    expect(user).toMatchObject({ email: 'cli@example.com', name: 'Cli' });
    expect(res.stdout).not.toContain('cli password');
    const admin = await runCli(
      ['user', 'create', '--email', 'root@example.com', '--admin'],
      env,
      'root password\n',
    );
    expect(admin.code).toBe(0);
    const dup = await runCli(
      ['user', 'create', '--email', 'cli@example.com'],
      env,
      'cli password 2\n',
    );
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already exists');
    const short = await runCli(['user', 'create', '--email', 'short@example.com'], env, 'short\n');
    expect(short.code).toBe(1);
    expect((await runCli(['user', 'create'], env, 'whatever1\n')).code).toBe(2);
  });

  it('lists and rotates keys: the next key becomes active, the old one is retired', async () => {
    const before = JSON.parse((await runCli(['keys', 'list'], env)).stdout) as Array<{
      kid: string;
      status: string;
    }>;
    const active = before.find((k) => k.status === 'active')!;
    const next = before.find((k) => k.status === 'next')!;
    const rotated = await runCli(['keys', 'rotate'], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(JSON.parse(rotated.stdout)).toEqual({ active: next.kid });
    const after = JSON.parse((await runCli(['keys', 'list'], env)).stdout) as Array<{
      kid: string;
      status: string;
      published_until: string;
    }>;
    expect(after.find((k) => k.kid === active.kid)).toMatchObject({
      status: 'retired',
      published_until: expect.any(String),
    });
    expect(after.find((k) => k.kid === next.kid)?.status).toBe('active');
    expect(after.filter((k) => k.status === 'next')).toHaveLength(1);
  });

  it('imports a private JWK made by jose and activates it', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), alg: 'ES256', kid: 'jose-imported' };
    const file = join(env.TESSERA_DATA_DIR!, 'key.jwk');
    writeFileSync(file, JSON.stringify(jwk));
    const res = await runCli(['keys', 'import', file, '--activate'], env);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      kid: 'jose-imported',
      alg: 'ES256',
      status: 'active',
    });
    const again = await runCli(['keys', 'import', file], env);
    expect(again.code).toBe(1);
  });

  it('imports an RSA key made by OpenSSL (converted to JWK) as the next key', async () => {
    const dir = env.TESSERA_DATA_DIR!;
    const pem = execFileSync('openssl', [
      'genpkey',
      '-algorithm',
      'RSA',
      '-pkeyopt',
      'rsa_keygen_bits:2048',
    ]);
    const { createPrivateKey } = await import('node:crypto');
    const jwk = { ...createPrivateKey(pem).export({ format: 'jwk' }), alg: 'RS256' };
    writeFileSync(join(dir, 'rsa.jwk'), JSON.stringify(jwk));
    const res = await runCli(['keys', 'import', join(dir, 'rsa.jwk')], env);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ alg: 'RS256', status: 'next' });
    // Activating a key of another algorithm than TESSERA_SIGNING_ALG is refused.
    writeFileSync(join(dir, 'rsa2.jwk'), JSON.stringify({ ...jwk, kid: 'other' }));
    const refused = await runCli(['keys', 'import', join(dir, 'rsa2.jwk'), '--activate'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('TESSERA_SIGNING_ALG');
  });

  it('refuses JWK files that are not keys, or public only', async () => {
    const dir = env.TESSERA_DATA_DIR!;
    writeFileSync(join(dir, 'junk.jwk'), '{not json');
    expect((await runCli(['keys', 'import', join(dir, 'junk.jwk')], env)).code).toBe(1);
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    writeFileSync(join(dir, 'pub.jwk'), JSON.stringify(await exportJWK(publicKey)));
    const pub = await runCli(['keys', 'import', join(dir, 'pub.jwk')], env);
    expect(pub.code).toBe(1);
    expect(pub.stderr).toContain('private');
    expect((await runCli(['keys', 'import', join(dir, 'missing.jwk')], env)).code).toBe(1);
  });
});
