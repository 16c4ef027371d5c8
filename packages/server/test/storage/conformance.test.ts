import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type NewSession,
  type NewUser,
  NotFound,
  openStore,
  QueryFailed,
  type SigningKeyRow,
  type Store,
  UniqueViolation,
  type UserPatch,
} from '../../src/storage/index.js';
import { MIGRATION_NAMES } from '../../src/storage/migrations/index.js';
import { type CreatedDatabase, testDatabases } from '../helpers/databases.js';

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

function newUser(overrides: Partial<NewUser> = {}): NewUser {
  return {
    id: 'usr_ada',
    email: 'ada@example.com',
    password_hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    name: 'Ada',
    is_admin: false,
    now: T0,
    ...overrides,
  };
}

function newSession(overrides: Partial<NewSession> = {}): NewSession {
  return {
    id: 'ses_1',
    user_id: 'usr_ada',
    now: T0,
    expires_at: T0 + 14 * 24 * HOUR,
    user_agent: 'vitest',
    ip: '203.0.113.7',
    ...overrides,
  };
}

function key(kid: string, overrides: Partial<SigningKeyRow> = {}): SigningKeyRow {
  return {
    kid,
    alg: 'ES256',
    status: 'next',
    public_jwk: JSON.stringify({ kty: 'EC', crv: 'P-256', kid }),
    private_key: `v1.${kid}.envelope`,
    created_at: T0,
    activated_at: null,
    retired_at: null,
    publish_until: null,
    ...overrides,
  };
}

/** Everything an error would show in a log: message, stack, own fields, causes. */
function everythingIn(error: unknown, seen = new Set<unknown>()): string {
  if (error === null || typeof error !== 'object' || seen.has(error)) return String(error);
  seen.add(error);
  const parts: string[] = [];
  for (const name of Object.getOwnPropertyNames(error)) {
    parts.push(everythingIn((error as Record<string, unknown>)[name], seen));
  }
  return parts.join('\n');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe.each(testDatabases)('Store conformance: $name', (database) => {
  let db: CreatedDatabase;
  let store: Store;
  const extraStores: Store[] = [];

  async function open(): Promise<Store> {
    const opened = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
    extraStores.push(opened);
    return opened;
  }

  beforeEach(async () => {
    db = await database.create();
    store = await openStore({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
  });

  afterEach(async () => {
    await Promise.all(extraStores.splice(0).map((s) => s.close()));
    await store.close();
    await db.drop();
  });

  it('reports its dialect', () => {
    expect(store.dialect).toBe(database.name);
  });

  describe('migrations', () => {
    it('apply once, then a second migrate() applies nothing', async () => {
      expect(await store.migrate()).toEqual(MIGRATION_NAMES);
      expect(await store.migrate()).toEqual([]);
      expect(await store.users.count()).toBe(0);
    });

    it('run concurrently from several Store instances on one database', async () => {
      const others = await Promise.all([open(), open()]);
      const applied = await Promise.all([store, ...others].map((s) => s.migrate()));
      expect(applied.flat()).toEqual(MIGRATION_NAMES);
      expect(await others[0]?.migrate()).toEqual([]);
      expect(await store.users.count()).toBe(0);
    });

    it('a fresh Store on a migrated database has nothing to apply', async () => {
      await store.migrate();
      const again = await open();
      expect(await again.migrate()).toEqual([]);
    });
  });

  describe('with the schema', () => {
    beforeEach(async () => {
      await store.migrate();
    });

    describe('users', () => {
      it('create returns the row, byId and byEmail find it', async () => {
        const created = await store.users.create(newUser({ is_admin: true }));
        expect(created).toEqual({
          id: 'usr_ada',
          email: 'ada@example.com',
          password_hash: newUser().password_hash,
          name: 'Ada',
          phone_token: null,
          avatar_url: null,
          is_admin: true,
          created_at: T0,
          updated_at: T0,
        });
        expect(await store.users.byId('usr_ada')).toEqual(created);
        expect(await store.users.byEmail('ada@example.com')).toEqual(created);
        expect(await store.users.count()).toBe(1);
      });

      it('byEmail is an exact match: no case folding, no LIKE wildcards', async () => {
        await store.users.create(newUser({ email: 'a_b%c@example.com' }));
        expect(await store.users.byEmail('A_B%C@example.com')).toBeUndefined();
        expect(await store.users.byEmail('axbxc@example.com')).toBeUndefined();
        expect(await store.users.byEmail('a_b%c@example.com')).toBeDefined();
      });

      it('unknown ids and emails are undefined', async () => {
        expect(await store.users.byId('nobody')).toBeUndefined();
        expect(await store.users.byEmail('nobody@example.com')).toBeUndefined();
        expect(await store.users.update('nobody', { name: 'x' }, T0)).toBeUndefined();
      });

      it('is_admin reads back as a boolean', async () => {
        await store.users.create(newUser({ id: 'u1', email: 'u1@example.com', is_admin: false }));
        await store.users.create(newUser({ id: 'u2', email: 'u2@example.com', is_admin: true }));
        expect((await store.users.byId('u1'))?.is_admin).toBe(false);
        expect((await store.users.byId('u2'))?.is_admin).toBe(true);
      });

      it('update writes only the fields given and sets updated_at', async () => {
        await store.users.create(newUser());
        const updated = await store.users.update(
          'usr_ada',
          { avatar_url: 'https://example.com/a.png', phone_token: '+91******10' },
          T0 + 5,
        );
        expect(updated).toMatchObject({
          name: 'Ada',
          avatar_url: 'https://example.com/a.png',
          phone_token: '+91******10',
          created_at: T0,
          updated_at: T0 + 5,
        });
        const cleared = await store.users.update(
          'usr_ada',
          { name: null, password_hash: 'h2' },
          T0 + 9,
        );
        expect(cleared).toMatchObject({
          name: null,
          password_hash: 'h2',
          avatar_url: 'https://example.com/a.png',
        });
        expect(await store.users.byId('usr_ada')).toEqual(cleared);
      });

      it('update ignores fields outside UserPatch (no mass assignment)', async () => {
        await store.users.create(newUser());
        const sneaky = { name: 'Eve', is_admin: true, email: 'eve@example.com' } as UserPatch;
        const updated = await store.users.update('usr_ada', sneaky, T0 + 1);
        expect(updated).toMatchObject({ name: 'Eve', is_admin: false, email: 'ada@example.com' });
      });

      it('a duplicate email throws UniqueViolation that does not contain the email', async () => {
        const email = 'grace.hopper+secret@example.com';
        await store.users.create(newUser({ email }));
        const error = await rejection(store.users.create(newUser({ id: 'usr_other', email })));
        expect(error).toBeInstanceOf(UniqueViolation);
        expect(error).toBeInstanceOf(Error);
        expect(error).toMatchObject({
          code: 'ERR_STORAGE_UNIQUE',
          name: 'UniqueViolation',
          constraint: 'users_email_key',
          table: 'users',
          columns: ['email'],
        });
        expect(everythingIn(error)).not.toContain('grace.hopper');
        expect(await store.users.count()).toBe(1);
      });

      it('a duplicate id throws UniqueViolation on the primary key', async () => {
        await store.users.create(newUser());
        const error = await rejection(store.users.create(newUser({ email: 'other@example.com' })));
        expect(error).toBeInstanceOf(UniqueViolation);
        expect(error).toMatchObject({ constraint: 'users_pkey', columns: ['id'] });
        expect(everythingIn(error)).not.toContain('usr_ada');
      });

      it('count is a number', async () => {
        for (let i = 0; i < 3; i++) {
          await store.users.create(newUser({ id: `u${i}`, email: `u${i}@example.com` }));
        }
        const count = await store.users.count();
        expect(count).toBe(3);
        expect(typeof count).toBe('number');
      });
    });

    describe('sessions', () => {
      beforeEach(async () => {
        await store.users.create(newUser());
      });

      it('create returns the row; byId finds it', async () => {
        const created = await store.sessions.create(newSession());
        expect(created).toEqual({
          id: 'ses_1',
          user_id: 'usr_ada',
          created_at: T0,
          last_used_at: T0,
          expires_at: T0 + 14 * 24 * HOUR,
          revoked_at: null,
          user_agent: 'vitest',
          ip: '203.0.113.7',
          generation: 0,
          rotated_at: null,
        });
        expect(await store.sessions.byId('ses_1')).toEqual(created);
        expect(await store.sessions.byId('ses_nope')).toBeUndefined();
      });

      it('a session for an unknown user is refused (foreign key)', async () => {
        const error = await rejection(store.sessions.create(newSession({ user_id: 'usr_ghost' })));
        expect(error).toBeInstanceOf(QueryFailed);
        expect(error).toMatchObject({ code: 'ERR_STORAGE_QUERY' });
        expect(everythingIn(error)).not.toContain('usr_ghost');
      });

      it('active: until expires_at, not after', async () => {
        await store.sessions.create(newSession({ expires_at: T0 + HOUR }));
        expect(await store.sessions.active('ses_1', T0)).toMatchObject({ id: 'ses_1' });
        expect(await store.sessions.active('ses_1', T0 + HOUR - 1)).toBeDefined();
        expect(await store.sessions.active('ses_1', T0 + HOUR)).toBeUndefined();
        expect(await store.sessions.byId('ses_1')).toBeDefined();
        expect(await store.sessions.active('ses_nope', T0)).toBeUndefined();
      });

      it('revoke ends an active session once; the second call is false', async () => {
        await store.sessions.create(newSession());
        expect(await store.sessions.revoke('ses_1', T0 + 10)).toBe(true);
        expect(await store.sessions.revoke('ses_1', T0 + 20)).toBe(false);
        expect(await store.sessions.active('ses_1', T0 + 30)).toBeUndefined();
        expect((await store.sessions.byId('ses_1'))?.revoked_at).toBe(T0 + 10);
      });

      it('concurrent revokes: exactly one wins', async () => {
        await store.sessions.create(newSession());
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.sessions.revoke('ses_1', T0 + i + 1)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('revoke of an unknown or expired session is false', async () => {
        await store.sessions.create(newSession({ expires_at: T0 + HOUR }));
        expect(await store.sessions.revoke('ses_nope', T0)).toBe(false);
        expect(await store.sessions.revoke('ses_1', T0 + HOUR)).toBe(false);
      });

      it('listActive: newest first, only this user, not revoked, not expired', async () => {
        await store.users.create(newUser({ id: 'usr_bob', email: 'bob@example.com' }));
        await store.sessions.create(newSession({ id: 'old', now: T0 }));
        await store.sessions.create(newSession({ id: 'new', now: T0 + 2 }));
        await store.sessions.create(newSession({ id: 'mid', now: T0 + 1 }));
        await store.sessions.create(newSession({ id: 'gone', now: T0 + 3 }));
        await store.sessions.create(newSession({ id: 'short', now: T0 + 4, expires_at: T0 + 50 }));
        await store.sessions.create(newSession({ id: 'bobs', user_id: 'usr_bob', now: T0 + 5 }));
        await store.sessions.revoke('gone', T0 + 10);
        const list = await store.sessions.listActive('usr_ada', T0 + 100);
        expect(list.map((s) => s.id)).toEqual(['new', 'mid', 'old']);
        expect(await store.sessions.listActive('usr_nobody', T0)).toEqual([]);
      });

      it('touch moves last_used_at forward, never back', async () => {
        await store.sessions.create(newSession());
        await store.sessions.touch('ses_1', T0 + 500);
        expect((await store.sessions.byId('ses_1'))?.last_used_at).toBe(T0 + 500);
        await store.sessions.touch('ses_1', T0 + 100);
        expect((await store.sessions.byId('ses_1'))?.last_used_at).toBe(T0 + 500);
        await expect(store.sessions.touch('ses_nope', T0)).resolves.toBeUndefined();
      });

      it('rotate: of 20 concurrent rotations from one generation exactly one wins', async () => {
        await store.sessions.create(newSession());
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.sessions.rotate('ses_1', 0, T0 + 5)),
        );
        expect(results.filter((g) => g === 1)).toHaveLength(1);
        expect(results.filter((g) => g === undefined)).toHaveLength(19);
        expect(await store.sessions.byId('ses_1')).toMatchObject({
          generation: 1,
          rotated_at: T0 + 5,
          last_used_at: T0 + 5,
        });
        expect(await store.sessions.rotate('ses_1', 0, T0 + 6)).toBeUndefined();
        expect(await store.sessions.rotate('ses_1', 1, T0 + 6)).toBe(2);
      });

      it('rotate refuses revoked and expired sessions', async () => {
        await store.sessions.create(newSession({ expires_at: T0 + HOUR }));
        expect(await store.sessions.rotate('ses_1', 0, T0 + HOUR)).toBeUndefined();
        await store.sessions.revoke('ses_1', T0);
        expect(await store.sessions.rotate('ses_1', 0, T0 + 1)).toBeUndefined();
      });

      it('revokeAll ends every active session of the user but the one kept', async () => {
        await store.users.create(newUser({ id: 'usr_bob', email: 'bob@example.com' }));
        for (const id of ['a', 'b', 'c']) await store.sessions.create(newSession({ id }));
        await store.sessions.create(newSession({ id: 'bobs', user_id: 'usr_bob' }));
        expect(await store.sessions.revokeAll('usr_ada', 'b', T0 + 1)).toBe(2);
        expect((await store.sessions.listActive('usr_ada', T0 + 2)).map((s) => s.id)).toEqual([
          'b',
        ]);
        expect(await store.sessions.listActive('usr_bob', T0 + 2)).toHaveLength(1);
        expect(await store.sessions.revokeAll('usr_ada', null, T0 + 3)).toBe(1);
      });

      it('purgeEnded deletes ended sessions and their refresh tokens, keeps live ones', async () => {
        await store.sessions.create(newSession({ id: 'live' }));
        await store.sessions.create(newSession({ id: 'expired', expires_at: T0 + 10 }));
        await store.sessions.create(newSession({ id: 'revoked' }));
        await store.sessions.revoke('revoked', T0 + 5);
        for (const id of ['live', 'expired', 'revoked']) {
          await store.refreshTokens.insert({
            token_hash: `h-${id}`,
            session_id: id,
            generation: 0,
            created_at: T0,
          });
        }
        expect(await store.sessions.purgeEnded(T0 + 100)).toBe(2);
        expect(await store.sessions.byId('live')).toBeDefined();
        expect(await store.sessions.byId('expired')).toBeUndefined();
        expect(await store.refreshTokens.byHash('h-live')).toBeDefined();
        expect(await store.refreshTokens.byHash('h-expired')).toBeUndefined();
        expect(await store.refreshTokens.byHash('h-revoked')).toBeUndefined();
      });

      it('refresh tokens are found by hash only; a duplicate hash is a UniqueViolation', async () => {
        await store.sessions.create(newSession());
        const row = {
          token_hash: 'sha256-of-token',
          session_id: 'ses_1',
          generation: 3,
          created_at: T0,
        };
        await store.refreshTokens.insert(row);
        expect(await store.refreshTokens.byHash('sha256-of-token')).toEqual(row);
        expect(await store.refreshTokens.byHash('SHA256-OF-TOKEN')).toBeUndefined();
        await expect(store.refreshTokens.insert(row)).rejects.toBeInstanceOf(UniqueViolation);
      });
    });

    describe('throttle', () => {
      it('counts 50 parallel hits exactly', async () => {
        const states = await Promise.all(
          Array.from({ length: 50 }, () => store.throttle.hit('acct:ada', T0, 60_000)),
        );
        expect(states.map((s) => s.count).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 50 }, (_, i) => i + 1),
        );
        expect(new Set(states.map((s) => s.window_start))).toEqual(new Set([T0]));
      });

      it('starts a new window once the old one has passed', async () => {
        await store.throttle.hit('k', T0, 60_000);
        await store.throttle.hit('k', T0 + 59_999, 60_000);
        expect(await store.throttle.hit('k', T0 + 60_000, 60_000)).toEqual({
          count: 1,
          window_start: T0 + 60_000,
        });
      });

      it('release takes one hit back (never below zero); reset forgets the key', async () => {
        await store.throttle.hit('k', T0, 60_000);
        await store.throttle.hit('k', T0, 60_000);
        await store.throttle.release('k');
        expect((await store.throttle.hit('k', T0, 60_000)).count).toBe(2);
        await store.throttle.reset('k');
        await store.throttle.release('k');
        expect((await store.throttle.hit('k', T0, 60_000)).count).toBe(1);
      });
    });

    describe('signing keys', () => {
      it('insert and list, oldest first', async () => {
        await store.signingKeys.insert(key('k2', { created_at: T0 + 1, status: 'next' }));
        await store.signingKeys.insert(
          key('k1', { created_at: T0, status: 'active', activated_at: T0 }),
        );
        await store.signingKeys.insert(
          key('hs', { created_at: T0 + 2, alg: 'HS256', public_jwk: null, status: 'retired' }),
        );
        const keys = await store.signingKeys.list();
        expect(keys.map((k) => k.kid)).toEqual(['k1', 'k2', 'hs']);
        expect(keys[0]).toEqual(key('k1', { created_at: T0, status: 'active', activated_at: T0 }));
        expect(keys[2]?.public_jwk).toBeNull();
      });

      it('activate retires the old active key with publish_until and activates the new one', async () => {
        await store.signingKeys.insert(key('old', { status: 'active', activated_at: T0 }));
        await store.signingKeys.insert(key('new', { created_at: T0 + 1 }));
        await store.signingKeys.activate('new', T0 + HOUR, T0 + 2 * HOUR);
        const [old, current] = await store.signingKeys.list();
        expect(old).toMatchObject({
          kid: 'old',
          status: 'retired',
          activated_at: T0,
          retired_at: T0 + HOUR,
          publish_until: T0 + 2 * HOUR,
        });
        expect(current).toMatchObject({
          kid: 'new',
          status: 'active',
          activated_at: T0 + HOUR,
          retired_at: null,
          publish_until: null,
        });
      });

      it('activate with no active key yet just activates', async () => {
        await store.signingKeys.insert(key('first'));
        await store.signingKeys.activate('first', T0, T0 + HOUR);
        expect(await store.signingKeys.list()).toMatchObject([{ kid: 'first', status: 'active' }]);
      });

      it('activating the active key changes nothing', async () => {
        await store.signingKeys.insert(key('k', { status: 'active', activated_at: T0 }));
        await store.signingKeys.activate('k', T0 + HOUR, T0 + 2 * HOUR);
        expect(await store.signingKeys.list()).toEqual([
          key('k', { status: 'active', activated_at: T0 }),
        ]);
      });

      it('activate of an unknown kid throws NotFound and changes nothing', async () => {
        await store.signingKeys.insert(key('only', { status: 'active', activated_at: T0 }));
        const error = await rejection(store.signingKeys.activate('ghost', T0 + 1, T0 + 2));
        expect(error).toBeInstanceOf(NotFound);
        expect(error).toMatchObject({ code: 'ERR_STORAGE_NOT_FOUND' });
        expect(await store.signingKeys.list()).toMatchObject([{ kid: 'only', status: 'active' }]);
      });

      it('only one key is ever active: a second active row is a UniqueViolation', async () => {
        await store.signingKeys.insert(key('a1', { status: 'active', activated_at: T0 }));
        const error = await rejection(
          store.signingKeys.insert(key('a2', { status: 'active', activated_at: T0 })),
        );
        expect(error).toBeInstanceOf(UniqueViolation);
        expect(error).toMatchObject({ constraint: 'signing_keys_one_active' });
        await store.signingKeys.insert(key('n1'));
        await store.signingKeys.insert(key('n2'));
        await store.signingKeys.activate('n1', T0 + 1, T0 + 2);
        await store.signingKeys.activate('n2', T0 + 3, T0 + 4);
        const active = (await store.signingKeys.list()).filter((k) => k.status === 'active');
        expect(active.map((k) => k.kid)).toEqual(['n2']);
      });

      it('a duplicate kid is a UniqueViolation', async () => {
        await store.signingKeys.insert(key('k'));
        const error = await rejection(store.signingKeys.insert(key('k')));
        expect(error).toMatchObject({
          code: 'ERR_STORAGE_UNIQUE',
          constraint: 'signing_keys_pkey',
        });
      });

      it('prune deletes retired keys whose publish_until has passed, returns their kids', async () => {
        await store.signingKeys.insert(key('r1', { status: 'retired', publish_until: T0 - 1 }));
        await store.signingKeys.insert(key('r2', { status: 'retired', publish_until: T0 - 100 }));
        await store.signingKeys.insert(key('r3', { status: 'retired', publish_until: T0 }));
        await store.signingKeys.insert(key('r4', { status: 'retired', publish_until: null }));
        await store.signingKeys.insert(key('a', { status: 'active', activated_at: T0 }));
        await store.signingKeys.insert(key('n', { status: 'next' }));
        expect(await store.signingKeys.prune(T0)).toEqual(['r1', 'r2']);
        expect((await store.signingKeys.list()).map((k) => k.kid).sort()).toEqual([
          'a',
          'n',
          'r3',
          'r4',
        ]);
        expect(await store.signingKeys.prune(T0)).toEqual([]);
      });
    });

    describe('meta', () => {
      it('get is undefined until set; setIfAbsent keeps the first value', async () => {
        expect(await store.meta.get('instance_id')).toBeUndefined();
        expect(await store.meta.setIfAbsent('instance_id', 'first')).toBe('first');
        expect(await store.meta.setIfAbsent('instance_id', 'second')).toBe('first');
        expect(await store.meta.get('instance_id')).toBe('first');
      });

      it('20 racing setIfAbsent calls with different values all get the same winner', async () => {
        const other = await open();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 === 0 ? store : other).meta.setIfAbsent('race', `value-${i}`),
          ),
        );
        const winner = results[0];
        expect(winner).toMatch(/^value-\d+$/);
        expect(new Set(results)).toEqual(new Set([winner]));
        expect(await store.meta.get('race')).toBe(winner);
      });
    });

    describe('transactions', () => {
      it('commit makes the writes visible and returns fn’s value', async () => {
        const result = await store.transaction(async (tx) => {
          await tx.users.create(newUser());
          await tx.sessions.create(newSession());
          return 'done';
        });
        expect(result).toBe('done');
        expect(await store.sessions.byId('ses_1')).toBeDefined();
      });

      it('a throw rolls back every write and rethrows the same error', async () => {
        const boom = new Error('boom');
        const error = await rejection(
          store.transaction(async (tx) => {
            await tx.users.create(newUser());
            await tx.meta.setIfAbsent('k', 'v');
            expect(await tx.users.byId('usr_ada')).toBeDefined();
            throw boom;
          }),
        );
        expect(error).toBe(boom);
        expect(await store.users.byId('usr_ada')).toBeUndefined();
        expect(await store.meta.get('k')).toBeUndefined();
      });

      it('a failed statement inside rolls the transaction back', async () => {
        await store.users.create(newUser());
        const error = await rejection(
          store.transaction(async (tx) => {
            await tx.users.create(newUser({ id: 'u2', email: 'u2@example.com' }));
            await tx.users.create(newUser({ id: 'u3' }));
          }),
        );
        expect(error).toBeInstanceOf(UniqueViolation);
        expect(await store.users.count()).toBe(1);
      });

      it('activate inside a rolled-back transaction leaves the keys as they were', async () => {
        await store.signingKeys.insert(key('old', { status: 'active', activated_at: T0 }));
        await store.signingKeys.insert(key('new'));
        await rejection(
          store.transaction(async (tx) => {
            await tx.signingKeys.activate('new', T0 + 1, T0 + 2);
            throw new Error('abort');
          }),
        );
        expect((await store.signingKeys.list()).map((k) => [k.kid, k.status])).toEqual([
          ['new', 'next'],
          ['old', 'active'],
        ]);
      });

      it('a nested transaction that throws rolls back only its own writes', async () => {
        await store.transaction(async (tx) => {
          await tx.users.create(newUser());
          await rejection(
            tx.transaction(async (inner) => {
              await inner.meta.setIfAbsent('inner', 'x');
              throw new Error('inner');
            }),
          );
          await tx.transaction((inner) => inner.meta.setIfAbsent('kept', 'y'));
        });
        expect(await store.users.byId('usr_ada')).toBeDefined();
        expect(await store.meta.get('inner')).toBeUndefined();
        expect(await store.meta.get('kept')).toBe('y');
      });

      it('migrate and close are refused inside a transaction', async () => {
        await store.transaction(async (tx) => {
          await expect(tx.migrate()).rejects.toBeInstanceOf(TypeError);
          await expect(tx.close()).rejects.toBeInstanceOf(TypeError);
          await tx.ping();
        });
        await store.ping();
      });
    });

    it('values with quotes, unicode and SQL metacharacters round-trip unchanged', async () => {
      const nasty = [
        `O'Brien "the" \`quoted\`; DROP TABLE users; --`,
        "Robert'); DELETE FROM sessions WHERE ('1'='1",
        '%_\\ $1 ? :name @p0 /* */ \t\n\r',
        'Zoë Ünïcödé 李小龍 עברית 🧪👩🏽‍💻 e\u0301',
      ];
      for (const [i, text] of nasty.entries()) {
        const id = `id-${i}-${text}`;
        const email = `${text}@example.com`;
        await store.users.create(newUser({ id, email, name: text, password_hash: text }));
        expect(await store.users.byEmail(email)).toMatchObject({ id, email, name: text });
        await store.sessions.create(newSession({ id: `s-${id}`, user_id: id, user_agent: text }));
        expect((await store.sessions.byId(`s-${id}`))?.user_agent).toBe(text);
        expect(await store.meta.setIfAbsent(text, text)).toBe(text);
        expect(await store.meta.get(text)).toBe(text);
      }
      expect(await store.users.count()).toBe(nasty.length);
    });

    it('timestamps far in the future round-trip exactly as numbers', async () => {
      const year2500 = 16_725_225_600_000;
      await store.users.create(newUser({ now: year2500 }));
      const user = await store.users.byId('usr_ada');
      expect(user?.created_at).toBe(year2500);
      expect(typeof user?.created_at).toBe('number');
    });
  });

  describe('lifecycle', () => {
    it('ping resolves while open', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('close is idempotent, and a closed store refuses work', async () => {
      const other = await open();
      await Promise.all([other.close(), other.close()]);
      await other.close();
      await expect(other.ping()).rejects.toThrow();
      // Closing one Store leaves others on the same database working.
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
});
