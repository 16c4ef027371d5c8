import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AuditRow,
  openStore,
  type Store,
  UniqueViolation,
  type VaultTokenRow,
} from '../../src/storage/index.js';
import { type CreatedDatabase, testDatabases } from '../helpers/databases.js';

const T0 = 1_700_000_000_000;

function row(token: string, overrides: Partial<VaultTokenRow> = {}): VaultTokenRow {
  return {
    token,
    type: 'text',
    owner: 'usr_ada',
    ciphertext: `v1.${token}.ct.tag`,
    key_version: 1,
    lookup: null,
    masked: '[redacted]',
    metadata: null,
    created_at: T0,
    expires_at: null,
    ...overrides,
  };
}

/** The vault, client and audit repositories: one conformance suite for both backends. */
describe.each(testDatabases)('vault storage conformance: $name', (database) => {
  let db: CreatedDatabase;
  let store: Store;
  beforeEach(async () => {
    db = await database.create();
    store = await openStore(db);
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  it('rotates data keys: one active, versions counting up', async () => {
    const k1 = await store.vaultKeys.rotate((v) => `wrapped-${v}`, T0);
    const k2 = await store.vaultKeys.rotate((v) => `wrapped-${v}`, T0 + 1);
    expect([k1.version, k2.version]).toEqual([1, 2]);
    const keys = await store.vaultKeys.list();
    expect(keys.map((k) => [k.version, k.status, k.wrapped_key])).toEqual([
      [1, 'retired', 'wrapped-1'],
      [2, 'active', 'wrapped-2'],
    ]);
  });

  it('insertMany skips token and lookup collisions and reports what it inserted', async () => {
    const first = await store.vault.insertMany([row('a'), row('b', { lookup: 'L1' })]);
    expect([...first].sort()).toEqual(['a', 'b']);
    const second = await store.vault.insertMany([
      row('a'),
      row('c', { lookup: 'L1' }),
      row('d', { lookup: 'L2' }),
      row('e'),
    ]);
    expect([...second].sort()).toEqual(['d', 'e']);
    expect((await store.vault.byLookups(['L1', 'L2'])).map((r) => r.token).sort()).toEqual([
      'b',
      'd',
    ]);
    expect(await store.vault.byToken('a')).toEqual(row('a'));
    expect((await store.vault.byTokens(['a', 'e', 'zz'])).map((r) => r.token).sort()).toEqual([
      'a',
      'e',
    ]);
  });

  it('inserts 1000 rows in one call', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => row(`t${String(i).padStart(4, '0')}`));
    expect((await store.vault.insertMany(rows)).size).toBe(1000);
  });

  it('lists by owner and type in token order, leaving out expired rows', async () => {
    await store.vault.insertMany([
      row('a1'),
      row('a2', { type: 'card' }),
      row('a3', { expires_at: T0 + 10 }),
      row('a4'),
      row('b1', { owner: 'usr_bob' }),
    ]);
    const page = await store.vault.list({ owner: 'usr_ada', limit: 10, now: T0 + 100 });
    expect(page.map((r) => r.token)).toEqual(['a1', 'a2', 'a4']);
    const texts = await store.vault.list({
      owner: 'usr_ada',
      type: 'text',
      after: 'a1',
      limit: 10,
      now: T0,
    });
    expect(texts.map((r) => r.token)).toEqual(['a3', 'a4']);
    const everyone = await store.vault.list({ limit: 2, now: T0 });
    expect(everyone.map((r) => r.token)).toEqual(['a1', 'a2']);
  });

  it('deletes, purges expired rows, and re-keys with compare-and-set', async () => {
    await store.vault.insertMany([
      row('x'),
      row('y', { expires_at: T0 }),
      row('z', { key_version: 2 }),
    ]);
    expect(await store.vault.delete('x')).toBe(true);
    expect(await store.vault.delete('x')).toBe(false);
    expect(await store.vault.purgeExpired(T0 - 1)).toBe(0);
    expect(await store.vault.purgeExpired(T0)).toBe(1);
    expect(await store.vault.countByKey()).toEqual([{ version: 2, count: 1 }]);
    expect((await store.vault.notOnKey(3, undefined, 10)).map((r) => r.token)).toEqual(['z']);
    expect(await store.vault.rekey('z', 1, 3, 'new')).toBe(false);
    expect(await store.vault.rekey('z', 2, 3, 'new')).toBe(true);
    expect(await store.vault.byToken('z')).toMatchObject({ key_version: 3, ciphertext: 'new' });
    expect(await store.vault.notOnKey(3, undefined, 10)).toEqual([]);
  });

  it('creates and reads service clients; a duplicate id is a UniqueViolation', async () => {
    const client = {
      id: 'tsc_1',
      name: 'n',
      secret_hash: 'ab',
      scopes: 'vault:read',
      created_at: T0,
    };
    await store.clients.create(client);
    expect(await store.clients.byId('tsc_1')).toEqual(client);
    expect(await store.clients.byId('tsc_2')).toBeUndefined();
    await expect(store.clients.create(client)).rejects.toBeInstanceOf(UniqueViolation);
  });

  it('appends audit rows serially: concurrent appends each see the row before them', async () => {
    const build = (tail: AuditRow | undefined): AuditRow => ({
      seq: (tail?.seq ?? 0) + 1,
      at: T0,
      action: 'a',
      actor: null,
      target: null,
      details: '{}',
      prev_hash: tail?.hash ?? 'genesis',
      hash: `h${(tail?.seq ?? 0) + 1}`,
    });
    await Promise.all(Array.from({ length: 30 }, () => store.audit.append(build)));
    const rows = await store.audit.scan(0, 100);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(rows.map((r) => r.prev_hash)).toEqual(
      rows.map((_, i) => (i === 0 ? 'genesis' : `h${i}`)),
    );
    const newest = await store.audit.list({ limit: 3, before: 30 });
    expect(newest.map((r) => r.seq)).toEqual([29, 28, 27]);

    // A second store on the same database (another server process) appends to the same chain.
    const other = await openStore(db);
    try {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? store : other).audit.append(build)),
      );
    } finally {
      await other.close();
    }
    const all = await store.audit.scan(0, 100);
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(all.map((r) => r.prev_hash)).toEqual(all.map((_, i) => (i === 0 ? 'genesis' : `h${i}`)));
  });
});
