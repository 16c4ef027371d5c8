import type { Scope } from './scope.js';
import type { Millis, Store } from './types.js';

export function throttleRepository(scope: Scope): Store['throttle'] {
  const { db } = scope;
  return {
    async hit(key: string, now: Millis, windowMs: number) {
      const expired = now - windowMs;
      // One statement: insert, or bump the counter (restarting a stale window). Both
      // SQLite and PostgreSQL run an upsert atomically, so N parallel hits count N.
      return db
        .insertInto('throttle')
        .values({ key, count: 1, window_start: now })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => ({
            count: eb
              .case()
              .when('throttle.window_start', '<=', expired)
              .then(1)
              .else(eb('throttle.count', '+', 1))
              .end(),
            window_start: eb
              .case()
              .when('throttle.window_start', '<=', expired)
              .then(now)
              .else(eb.ref('throttle.window_start'))
              .end(),
          })),
        )
        .returning(['count', 'window_start'])
        .executeTakeFirstOrThrow();
    },

    async release(key: string) {
      await db
        .updateTable('throttle')
        .set((eb) => ({ count: eb('count', '-', 1) }))
        .where('key', '=', key)
        .where('count', '>', 0)
        .execute();
    },

    async reset(key: string) {
      await db.deleteFrom('throttle').where('key', '=', key).execute();
    },
  };
}
