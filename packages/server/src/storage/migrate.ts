import { type Kysely, Migrator } from 'kysely';
import { MigrationFailed, StorageError } from './errors.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

/**
 * Applies pending migrations; returns the names applied by this call. Safe to run from
 * several processes at once: on PostgreSQL Kysely's migrator holds an advisory lock, on
 * SQLite the whole run is one `BEGIN IMMEDIATE` transaction (see `dialects/sqlite.ts`).
 * The loser of the race waits, then finds nothing pending and returns `[]`.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : 'unknown error';
    // The error already went through the dialect's translator (or is the migrator's own
    // text), so it is safe to keep as the cause.
    throw new MigrationFailed(
      failed === undefined
        ? `migration failed: ${reason}`
        : `migration ${failed} failed: ${reason}`,
      failed,
      error instanceof StorageError || error instanceof Error ? { cause: error } : undefined,
    );
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
