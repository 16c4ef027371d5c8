import { Passwords } from './accounts/password.js';
import type { Config } from './config.js';
import { loadMasterKey, type MasterKey } from './crypto/master-key.js';
import { KeyRing } from './keys/keyring.js';
import { createMetrics, type Metrics } from './metrics.js';
import { openStore, type Store } from './storage/index.js';
import { Vault } from './vault/service.js';

/** What every service function needs: configuration, storage, keys, clock. Built once per process. */
export interface Context {
  readonly config: Config;
  readonly store: Store;
  readonly keys: KeyRing;
  readonly masterKey: MasterKey;
  readonly passwords: Passwords;
  readonly metrics: Metrics;
  /** The token vault (SPEC §2.3): data keys, formats, policy, audit. */
  readonly vault: Vault;
  /** Epoch milliseconds; frozen in tests. */
  readonly now: () => number;
  /** Messages for the operator at start (e.g. a generated development master key). */
  readonly warnings: readonly string[];
  close(): Promise<void>;
}

export interface ContextOptions {
  now?: () => number;
  /** Apply migrations before anything else (serve does; the other CLI commands need `migrate`). */
  migrate?: boolean;
}

const MASTER_KEY_CHECK = 'master_key_check';

/**
 * Opens storage, applies migrations, loads the master key (checking it is the
 * one this database was made with) and makes sure signing keys exist.
 *
 * @example
 * const ctx = await createContext(loadConfig());
 */
export async function createContext(
  config: Config,
  options: ContextOptions = {},
): Promise<Context> {
  const now = options.now ?? Date.now;
  const warnings: string[] = [];
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    if (options.migrate !== false) await store.migrate();
    const { key: masterKey, generatedAt } = loadMasterKey(config.masterKey, config.dataDir);
    if (generatedAt) {
      warnings.push(
        `generated a development master key in ${generatedAt}; set TESSERA_MASTER_KEY in production and keep it safe`,
      );
    }
    const stored = await store.meta.setIfAbsent(MASTER_KEY_CHECK, masterKey.checkValue());
    if (!masterKey.matches(stored)) {
      throw new Error('TESSERA_MASTER_KEY is not the key this database was created with');
    }
    const keys = new KeyRing(store, masterKey, {
      alg: config.signingAlg,
      accessTtl: config.accessTtl,
      now,
    });
    await keys.ensureReady();
    const passwords = new Passwords(config.hashConcurrency);
    return {
      config,
      store,
      keys,
      masterKey,
      passwords,
      metrics: createMetrics(),
      vault: new Vault({ store, masterKey, now }),
      now,
      warnings,
      close: () => store.close(),
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
