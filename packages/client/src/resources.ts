import { TesseraError } from './errors.js';
import type {
  BatchResponse,
  DetokenizeResponse,
  SessionList,
  TokenizeInput,
  VaultList,
  VaultListQuery,
  VaultRecord,
} from './types.js';

/** An authenticated JSON call (the client's `fetch` with refresh and typed errors). */
export type Call = (path: string, init: { method: string; body?: unknown }) => Promise<unknown>;

export interface SessionsApi {
  /** `GET /v1/sessions`: this user's active sessions; `current` marks this one. */
  list(): Promise<SessionList>;
  /** `DELETE /v1/sessions/{id}`: ends one of this user's sessions. */
  revoke(id: string): Promise<void>;
  /** `DELETE /v1/sessions`: ends every session of this user except this one. */
  revokeOthers(): Promise<void>;
}

export function sessionsApi(call: Call): SessionsApi {
  return {
    list: async () => (await call('/v1/sessions', { method: 'GET' })) as SessionList,
    revoke: async (id) => {
      await call(`/v1/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
    },
    revokeOthers: async () => {
      await call('/v1/sessions', { method: 'DELETE' });
    },
  };
}

export interface VaultApi {
  /** `POST /v1/vault/tokens`: stores the value encrypted; returns its token and mask. */
  tokenize(input: TokenizeInput): Promise<VaultRecord>;
  /** `POST /v1/vault/tokens/batch`: up to 1000 items; each result is a record or `{error}`. */
  batch(items: TokenizeInput[]): Promise<BatchResponse>;
  /** `GET /v1/vault/tokens`: this user's tokens, newest first, paged by `next_cursor`. */
  list(query?: VaultListQuery): Promise<VaultList>;
  /** `GET /v1/vault/tokens/{token}`: the record, never the value. */
  get(token: string): Promise<VaultRecord>;
  /** `POST /v1/vault/detokenize`: the values back (audited with `reason`). */
  detokenize(tokens: string[], reason?: string): Promise<DetokenizeResponse>;
  /** One value back; throws the item's error (`not_found`, `token_expired`…). */
  reveal(token: string, reason?: string): Promise<string>;
  /** `DELETE /v1/vault/tokens/{token}`: the value can never be recovered afterwards. */
  delete(token: string): Promise<void>;
}

export function vaultApi(call: Call): VaultApi {
  const detokenize = async (tokens: string[], reason?: string) =>
    (await call('/v1/vault/detokenize', {
      method: 'POST',
      body: reason === undefined ? { tokens } : { tokens, reason },
    })) as DetokenizeResponse;
  return {
    tokenize: async (input) =>
      (await call('/v1/vault/tokens', { method: 'POST', body: input })) as VaultRecord,
    batch: async (items) =>
      (await call('/v1/vault/tokens/batch', { method: 'POST', body: { items } })) as BatchResponse,
    list: async (query = {}) => {
      const params = new URLSearchParams();
      if (query.type !== undefined) params.set('type', query.type);
      if (query.limit !== undefined) params.set('limit', String(query.limit));
      if (query.cursor !== undefined) params.set('cursor', query.cursor);
      const qs = params.toString();
      return (await call(`/v1/vault/tokens${qs ? `?${qs}` : ''}`, { method: 'GET' })) as VaultList;
    },
    get: async (token) =>
      (await call(`/v1/vault/tokens/${encodeURIComponent(token)}`, {
        method: 'GET',
      })) as VaultRecord,
    detokenize,
    reveal: async (token, reason) => {
      const { results } = await detokenize([token], reason);
      const value = results[0]?.value;
      if (value === undefined) {
        throw new TesseraError(
          results[0]?.error ?? 'not_found',
          results[0]?.error_description ?? 'No value for this token.',
          404,
        );
      }
      return value;
    },
    delete: async (token) => {
      await call(`/v1/vault/tokens/${encodeURIComponent(token)}`, { method: 'DELETE' });
    },
  };
}
