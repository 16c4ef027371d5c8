import type { ControlledTransaction, Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * What a repository runs its queries on: the database, or an open transaction. `transact`
 * starts a transaction on the database, or a savepoint inside a transaction, so a
 * repository method that needs atomicity (e.g. `signingKeys.activate`) composes with a
 * caller's `store.transaction()`.
 */
export interface Scope {
  readonly db: Kysely<Database>;
  transact<T>(fn: (scope: Scope) => Promise<T>): Promise<T>;
}

type OpenTransaction = ControlledTransaction<Database, string[]>;

export function databaseScope(db: Kysely<Database>): Scope {
  return {
    db,
    async transact(fn) {
      const trx: OpenTransaction = await db.startTransaction().execute();
      return settle(
        () => fn(transactionScope(trx, { savepoints: 0 })),
        () => trx.commit().execute(),
        () => trx.rollback().execute(),
      );
    },
  };
}

function transactionScope(trx: OpenTransaction, counter: { savepoints: number }): Scope {
  return {
    db: trx,
    async transact(fn) {
      counter.savepoints += 1;
      const name = `tessera_sp_${counter.savepoints}`;
      const inner: OpenTransaction = await trx.savepoint(name).execute();
      return settle(
        () => fn(transactionScope(inner, counter)),
        () => inner.releaseSavepoint(name).execute(),
        () => inner.rollbackToSavepoint(name).execute(),
      );
    },
  };
}

async function settle<T>(
  work: () => Promise<T>,
  commit: () => Promise<unknown>,
  rollback: () => Promise<unknown>,
): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    // The caller's error is the one that explains what happened; a failed rollback (the
    // connection is gone, say) has already ended the transaction and must not mask it.
    await rollback().catch(() => {});
    throw error;
  }
  await commit();
  return result;
}
