import type { Scope } from './scope.js';
import type { RefreshTokenRow, Store } from './types.js';

export function refreshTokensRepository(scope: Scope): Store['refreshTokens'] {
  const { db } = scope;
  return {
    async insert(t: RefreshTokenRow) {
      await db.insertInto('refresh_tokens').values(t).execute();
    },

    async byHash(tokenHash: string) {
      return db
        .selectFrom('refresh_tokens')
        .select(['token_hash', 'session_id', 'generation', 'created_at'])
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
    },
  };
}
