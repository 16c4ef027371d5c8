import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type Context, createContext } from '../../src/context.js';
import { FORMATS } from '../../src/vault/formats.js';
import { rotateDataKey } from '../../src/vault/rotate.js';
import { Vault } from '../../src/vault/service.js';
import { type CreatedDatabase, testDatabases } from '../helpers/databases.js';

describe.each(testDatabases)('vault service on $name', (database) => {
  let db: CreatedDatabase;
  let ctx: Context;
  beforeAll(async () => {
    db = await database.create();
    ctx = await createContext(
      loadConfig({
        TESSERA_DATA_DIR: db.dataDir,
        TESSERA_MASTER_KEY: randomBytes(32).toString('base64url'),
        ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
      }),
    );
  });
  afterAll(async () => {
    await ctx?.close();
    await db?.drop();
  });

  it('concurrent deterministic calls for one value end with one token', async () => {
    const calls = Array.from({ length: 10 }, () =>
      ctx.vault.tokenize('usr_det', [
        { value: '+14155550100', type: 'phone', deterministic: true },
      ]),
    );
    const tokens = (await Promise.all(calls)).map(([r]) => (r as { token: string }).token);
    expect(new Set(tokens).size).toBe(1);
  });

  it('retries a colliding token, and says so when the space is exhausted', async () => {
    const fixed = '4000000000001111';
    const spy = vi.spyOn(FORMATS.card, 'token').mockReturnValue(fixed);
    try {
      const [first] = await ctx.vault.tokenize('usr_col', [
        { value: '4111111111111111', type: 'card' },
      ]);
      expect(first).toMatchObject({ token: fixed });
      const [second] = await ctx.vault.tokenize('usr_col', [
        { value: '4111111111111111', type: 'card' },
      ]);
      expect(second).toMatchObject({
        error: 'invalid_request',
        error_description: expect.stringMatching(/token space is exhausted/),
      });
      expect(spy.mock.calls.length).toBe(1 + 8);
    } finally {
      spy.mockRestore();
    }
    const [third] = await ctx.vault.tokenize('usr_col', [
      { value: '4111111111111111', type: 'card' },
    ]);
    expect(third).toMatchObject({ token: expect.stringMatching(/^\d{12}1111$/) });
  });

  it('another instance keeps working across a data-key rotation it did not make', async () => {
    const [rec] = await ctx.vault.tokenize('usr_rot', [{ value: 'before rotation', type: 'text' }]);
    const token = (rec as { token: string }).token;
    // A second Vault over the same store, like another server process with its own cache.
    const other = new Vault({ store: ctx.store, masterKey: ctx.masterKey, now: Date.now });
    await other.keys.active();
    const result = await rotateDataKey(ctx.vault, ctx.store, { settleMs: 0 });
    expect(result.interrupted).toBe(false);
    expect(result.reencrypted).toBeGreaterThan(0);
    const [out] = await other.detokenize({ sub: 'usr_rot', scopes: new Set() }, [token], 'check');
    expect(out).toMatchObject({ value: 'before rotation' });
    const row = await ctx.store.vault.byToken(token);
    expect(row?.key_version).toBe(result.version);
  });
});
