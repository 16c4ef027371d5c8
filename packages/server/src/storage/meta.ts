import type { Scope } from './scope.js';
import type { Store } from './types.js';

export function metaRepository(scope: Scope): Store['meta'] {
  const { db } = scope;
  return {
    async get(key: string) {
      const row = await db
        .selectFrom('meta')
        .select('value')
        .where('key', '=', key)
        .executeTakeFirst();
      return row?.value;
    },

    async setIfAbsent(key: string, value: string) {
      // INSERT … ON CONFLICT DO NOTHING is atomic on both dialects: exactly one racer's
      // row lands, and a loser that conflicts with an uncommitted insert waits for it.
      // Rows are never updated afterwards, so the read that follows sees the winner.
      await db
        .insertInto('meta')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const row = await db
        .selectFrom('meta')
        .select('value')
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      return row.value;
    },
  };
}
