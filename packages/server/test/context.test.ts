import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createContext } from '../src/context.js';
import { testDatabases } from './helpers/databases.js';

describe.each(testDatabases)('startup on $name', (db) => {
  it('refuses a master key other than the one the database was made with', async () => {
    const { databaseUrl, dataDir, drop } = await db.create();
    const env = {
      TESSERA_DATA_DIR: dataDir,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    };
    try {
      const first = await createContext(
        loadConfig({ ...env, TESSERA_MASTER_KEY: randomBytes(32).toString('base64url') }),
      );
      await first.close();
      await expect(
        createContext(
          loadConfig({ ...env, TESSERA_MASTER_KEY: randomBytes(32).toString('base64url') }),
        ),
      ).rejects.toThrow(/not the key this database was created with/);
    } finally {
      await drop();
    }
  });

  it('rotates to a key of the new algorithm when TESSERA_SIGNING_ALG changes, keeping the old one published', async () => {
    const { databaseUrl, dataDir, drop } = await db.create();
    const env = {
      TESSERA_DATA_DIR: dataDir,
      TESSERA_MASTER_KEY: randomBytes(32).toString('base64url'),
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    };
    try {
      const es = await createContext(loadConfig(env));
      const oldKid = es.keys.signingKey.kid;
      await es.close();
      const ed = await createContext(loadConfig({ ...env, TESSERA_SIGNING_ALG: 'EdDSA' }));
      try {
        expect(ed.keys.signingKey.alg).toBe('EdDSA');
        expect(ed.keys.lookup(oldKid)?.alg).toBe('ES256');
        const kids = ed.keys.jwks().keys.map((k) => (k as { kid: string }).kid);
        expect(kids).toContain(oldKid);
      } finally {
        await ed.close();
      }
    } finally {
      await drop();
    }
  });

  it('generates a development master key into the data dir once, and reuses it', async () => {
    const { databaseUrl, dataDir, drop } = await db.create();
    const env = {
      TESSERA_DATA_DIR: dataDir,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    };
    try {
      const first = await createContext(loadConfig(env));
      expect(first.warnings.join()).toContain('master.key');
      await first.close();
      const second = await createContext(loadConfig(env));
      expect(second.warnings).toHaveLength(0);
      await second.close();
    } finally {
      await drop();
    }
  });
});
