/**
 * The API's shapes, derived from the server's TypeBox schemas — the one source of
 * truth for validation, serialization and these types. Type-only imports: they
 * are erased at build time, so the SDK never bundles or runs server code.
 */
import type { Static } from 'typebox';
import type {
  RegisterBody,
  TokenResponse as TokenResponseSchema,
  UpdateMeBody,
  User as UserSchema,
} from '../../server/src/accounts/schemas.js';
import type { ErrorBody as ErrorBodySchema } from '../../server/src/http/schemas.js';
import type {
  SessionList as SessionListSchema,
  Session as SessionSchema,
} from '../../server/src/sessions/schemas.js';
import type { VAULT_TYPES } from '../../server/src/vault/formats.js';
import type {
  BatchResponse as BatchResponseSchema,
  DetokenizeBody,
  DetokenizeResponse as DetokenizeResponseSchema,
  ListResponse as ListResponseSchema,
  TokenizeBody,
  VaultRecordSchema,
} from '../../server/src/vault/schemas.js';

export type User = Static<typeof UserSchema>;
export type RegisterInput = Static<typeof RegisterBody>;
export type UpdateMeInput = Static<typeof UpdateMeBody>;
export type TokenResponse = Static<typeof TokenResponseSchema>;
export type ErrorBody = Static<typeof ErrorBodySchema>;
export type Session = Static<typeof SessionSchema>;
export type SessionList = Static<typeof SessionListSchema>;

/**
 * From the server's `VAULT_TYPES` tuple: `VaultTypeSchema` is built with `.map()`,
 * which widens to `TUnion<TLiteral<…>[]>`, and `Static` of that is `never`.
 */
export type VaultType = (typeof VAULT_TYPES)[number];
export type TokenizeInput = Omit<Static<typeof TokenizeBody>, 'type'> & { type: VaultType };
export type VaultRecord = Static<typeof VaultRecordSchema>;
export type BatchResponse = Static<typeof BatchResponseSchema>;
export type DetokenizeInput = Static<typeof DetokenizeBody>;
export type DetokenizeResponse = Static<typeof DetokenizeResponseSchema>;
export type VaultList = Static<typeof ListResponseSchema>;

/** `GET /v1/vault/tokens` query; `limit` is a number here, sent as text. */
export interface VaultListQuery {
  type?: VaultType;
  limit?: number;
  cursor?: string;
}

/** Login credentials; the transport is the client's choice (`ClientOptions.transport`). */
export interface LoginInput {
  email: string;
  password: string;
}
