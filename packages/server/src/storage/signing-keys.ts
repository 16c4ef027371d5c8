import type { Selectable } from 'kysely';
import { NotFound } from './errors.js';
import type { SigningKeysTable } from './schema.js';
import type { Scope } from './scope.js';
import type { Millis, SigningKeyRow, Store } from './types.js';

export function signingKeysRepository(scope: Scope): Store['signingKeys'] {
  const { db } = scope;
  return {
    async list() {
      const rows = await db
        .selectFrom('signing_keys')
        .selectAll()
        .orderBy('created_at', 'asc')
        .orderBy('kid', 'asc')
        .execute();
      return rows.map(toSigningKeyRow);
    },

    async insert(k: SigningKeyRow) {
      await db
        .insertInto('signing_keys')
        .values({
          kid: k.kid,
          alg: k.alg,
          status: k.status,
          public_jwk: k.public_jwk,
          private_key: k.private_key,
          created_at: k.created_at,
          activated_at: k.activated_at,
          retired_at: k.retired_at,
          publish_until: k.publish_until,
        })
        .execute();
    },

    activate(kid: string, now: Millis, retiredPublishUntil: Millis) {
      return scope.transact(async ({ db: trx }) => {
        const target = await trx
          .selectFrom('signing_keys')
          .select('status')
          .where('kid', '=', kid)
          .executeTakeFirst();
        if (!target) throw new NotFound('signing key not found');
        if (target.status === 'active') return;
        // Retire first: the partial unique index allows one active row at any instant.
        // Two processes activating at once cannot both succeed: the loser's UPDATE hits
        // the index and its transaction fails with UniqueViolation.
        await trx
          .updateTable('signing_keys')
          .set({ status: 'retired', retired_at: now, publish_until: retiredPublishUntil })
          .where('status', '=', 'active')
          .execute();
        await trx
          .updateTable('signing_keys')
          .set({ status: 'active', activated_at: now, retired_at: null, publish_until: null })
          .where('kid', '=', kid)
          .execute();
      });
    },

    async prune(now: Millis) {
      const rows = await db
        .deleteFrom('signing_keys')
        .where('status', '=', 'retired')
        .where('publish_until', '<', now)
        .returning('kid')
        .execute();
      return rows.map((row) => row.kid).sort();
    },
  };
}

function toSigningKeyRow(row: Selectable<SigningKeysTable>): SigningKeyRow {
  return {
    kid: row.kid,
    alg: row.alg,
    status: row.status,
    public_jwk: row.public_jwk,
    private_key: row.private_key,
    created_at: row.created_at,
    activated_at: row.activated_at,
    retired_at: row.retired_at,
    publish_until: row.publish_until,
  };
}
