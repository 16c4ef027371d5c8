import { type Selectable, sql } from 'kysely';
import { fromDbBoolean, toDbBoolean, type UsersTable } from './schema.js';
import type { Scope } from './scope.js';
import type { Millis, NewUser, Store, UserPatch, UserRow } from './types.js';

export function usersRepository(scope: Scope): Store['users'] {
  const { db } = scope;
  return {
    async create(u: NewUser) {
      const row = await db
        .insertInto('users')
        .values({
          id: u.id,
          email: u.email,
          password_hash: u.password_hash,
          name: u.name,
          phone_token: null,
          avatar_url: null,
          is_admin: toDbBoolean(u.is_admin),
          created_at: u.now,
          updated_at: u.now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toUserRow(row);
    },

    async byId(id: string) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toUserRow(row);
    },

    async byEmail(email: string) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('email', '=', email)
        .executeTakeFirst();
      return row && toUserRow(row);
    },

    async update(id: string, patch: UserPatch, now: Millis) {
      // Copy the known fields one by one: a patch object that came from a request body
      // with extra keys must not be able to write `is_admin` or `email`.
      const row = await db
        .updateTable('users')
        .set({
          ...(patch.name !== undefined && { name: patch.name }),
          ...(patch.avatar_url !== undefined && { avatar_url: patch.avatar_url }),
          ...(patch.phone_token !== undefined && { phone_token: patch.phone_token }),
          ...(patch.password_hash !== undefined && { password_hash: patch.password_hash }),
          updated_at: now,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toUserRow(row);
    },

    async count() {
      const row = await db
        .selectFrom('users')
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

function toUserRow(row: Selectable<UsersTable>): UserRow {
  return {
    id: row.id,
    email: row.email,
    password_hash: row.password_hash,
    name: row.name,
    phone_token: row.phone_token,
    avatar_url: row.avatar_url,
    is_admin: fromDbBoolean(row.is_admin),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
