import type { Scope } from './scope.js';
import type { ServiceClientRow, Store } from './types.js';

export function clientsRepository(scope: Scope): Store['clients'] {
  const { db } = scope;
  return {
    async create(c: ServiceClientRow) {
      await db.insertInto('service_clients').values(c).execute();
    },

    async byId(id: string) {
      return db.selectFrom('service_clients').selectAll().where('id', '=', id).executeTakeFirst();
    },
  };
}
