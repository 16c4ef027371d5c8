import { type Static, Type } from 'typebox';
import { TEXT_MAX_BYTES, type VaultType } from './formats.js';
import { METADATA_MAX_BYTES } from './service.js';

/**
 * The shapes of the vault API (SPEC §2.3), the one source of truth for validation,
 * serialization and types. Values are checked per type in `formats.ts`.
 */
// Spelled out (not mapped from VAULT_TYPES) so `Static<>` keeps the literal union; the
// check below fails the build if the schema and VAULT_TYPES ever drift apart.
export const VaultTypeSchema = Type.Union([
  Type.Literal('card'),
  Type.Literal('pan_in'),
  Type.Literal('ssn'),
  Type.Literal('phone'),
  Type.Literal('email'),
  Type.Literal('text'),
]);
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const VAULT_TYPES_MATCH: Same<Static<typeof VaultTypeSchema>, VaultType> = true;

export const TokenizeBody = Type.Object(
  {
    // Characters here; the 64 KiB of UTF-8 of `text` is checked in formats.ts.
    value: Type.String({ maxLength: TEXT_MAX_BYTES }),
    type: VaultTypeSchema,
    preserve: Type.Optional(Type.Union([Type.Literal('last4'), Type.Literal('first6_last4')])),
    luhn: Type.Optional(Type.Boolean()),
    deterministic: Type.Optional(Type.Boolean()),
    ttl_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 315_360_000 })),
    metadata: Type.Optional(
      Type.Record(Type.String({ maxLength: 128 }), Type.Unknown(), {
        maxProperties: 64,
        description: `A small JSON object (at most ${METADATA_MAX_BYTES} bytes); never put secrets here.`,
      }),
    ),
  },
  { additionalProperties: false },
);

/** Items are checked one by one, so one bad item is one error in `results`, not a 400. */
export const BatchBody = Type.Object(
  { items: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);

const Timestamp = Type.String({ format: 'date-time' });

export const VaultRecordSchema = Type.Object({
  token: Type.String(),
  type: Type.String(),
  masked: Type.String(),
  metadata: Type.Unknown(),
  created_at: Timestamp,
  expires_at: Type.Union([Timestamp, Type.Null()]),
});

/** A record, or `{error, error_description}` for an item that failed. */
export const BatchResult = Type.Object({
  token: Type.Optional(Type.String()),
  type: Type.Optional(Type.String()),
  masked: Type.Optional(Type.String()),
  metadata: Type.Optional(Type.Unknown()),
  created_at: Type.Optional(Timestamp),
  expires_at: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  error: Type.Optional(Type.String()),
  error_description: Type.Optional(Type.String()),
});

export const BatchResponse = Type.Object({ results: Type.Array(BatchResult) });

export const DetokenizeBody = Type.Object(
  {
    tokens: Type.Array(Type.String({ minLength: 1, maxLength: 512 }), {
      minItems: 1,
      maxItems: 1000,
    }),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const DetokenizeItem = Type.Object({
  token: Type.String(),
  type: Type.Optional(Type.String()),
  value: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
  error_description: Type.Optional(Type.String()),
});

export const DetokenizeResponse = Type.Object({ results: Type.Array(DetokenizeItem) });

/** A one-token detokenize that fails answers with that error's status and this body. */
export const DetokenizeError = Type.Object({
  error: Type.String(),
  error_description: Type.String(),
  results: Type.Optional(Type.Array(DetokenizeItem)),
});

export const ListQuery = Type.Object(
  {
    type: Type.Optional(VaultTypeSchema),
    limit: Type.Optional(Type.String({ pattern: '^(1000|[1-9][0-9]{0,2})$' })),
    cursor: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);

export const ListResponse = Type.Object({
  items: Type.Array(VaultRecordSchema),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

export const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) });
