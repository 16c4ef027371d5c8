import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001_initial.js';
import * as refreshTokens from './0002_refresh_tokens.js';
import * as vault from './0003_vault.js';

/**
 * Every migration, in code rather than read from a folder at run time, so the compiled
 * server carries its schema with it. Names sort in the order they must run; append only.
 */
const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': initial,
  '0002_refresh_tokens': refreshTokens,
  '0003_vault': vault,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return MIGRATIONS;
  },
};

/** Names of every migration, in the order they run. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS).sort();
