import { type Kysely, sql } from 'kysely';
import { auditRepository } from './audit.js';
import { clientsRepository } from './clients.js';
import { metaRepository } from './meta.js';
import { migrateToLatest } from './migrate.js';
import { refreshTokensRepository } from './refresh-tokens.js';
import type { Database } from './schema.js';
import { databaseScope, type Scope } from './scope.js';
import { sessionsRepository } from './sessions.js';
import { signingKeysRepository } from './signing-keys.js';
import { throttleRepository } from './throttle.js';
import type { Store } from './types.js';
import { usersRepository } from './users.js';
import { vaultKeysRepository, vaultRepository } from './vault.js';

/** Assembles the Store over an open Kysely instance, which it owns from now on. */
export function createStore(dialect: Store['dialect'], db: Kysely<Database>): Store {
  let closing: Promise<void> | undefined;
  return storeOver(databaseScope(db), dialect, {
    migrate: () => migrateToLatest(db),
    close: () => {
      closing ??= db.destroy();
      return closing;
    },
  });
}

interface Lifecycle {
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

const insideTransaction: Lifecycle = {
  migrate: () => Promise.reject(new TypeError('migrate() cannot run inside store.transaction()')),
  close: () => Promise.reject(new TypeError('close() cannot run inside store.transaction()')),
};

function storeOver(scope: Scope, dialect: Store['dialect'], lifecycle: Lifecycle): Store {
  return {
    dialect,
    migrate: lifecycle.migrate,
    close: lifecycle.close,
    async ping() {
      await sql`select 1`.execute(scope.db);
    },
    users: usersRepository(scope),
    sessions: sessionsRepository(scope),
    signingKeys: signingKeysRepository(scope),
    meta: metaRepository(scope),
    refreshTokens: refreshTokensRepository(scope),
    throttle: throttleRepository(scope),
    vaultKeys: vaultKeysRepository(scope),
    vault: vaultRepository(scope),
    clients: clientsRepository(scope),
    audit: auditRepository(scope, dialect),
    transaction(fn) {
      return scope.transact((inner) => fn(storeOver(inner, dialect, insideTransaction)));
    },
  };
}
