import { Type } from 'typebox';
import { PASSWORD_MAX, PASSWORD_MIN } from './password.js';

/**
 * The shapes of the accounts API: one source of truth for request validation,
 * response serialization (undeclared fields such as `password_hash` can never
 * leak) and, through `Static<>`, the TypeScript types of routes and the SDK.
 */
/** Validated after trimming and normalizing, in `email.ts`: surrounding spaces are allowed. */
export const Email = Type.String({ minLength: 1, maxLength: 320 });
export const Password = Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX });
const Name = Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()]);
const AvatarUrl = Type.Union([
  Type.String({ format: 'uri', maxLength: 2048, pattern: '^https?://' }),
  Type.Null(),
]);
const Timestamp = Type.String({ format: 'date-time' });
/** E.164, checked (and stored through the vault) in `vault/profile-phone.ts`; null clears it. */
const Phone = Type.Union([Type.String({ minLength: 1, maxLength: 32 }), Type.Null()]);

export const User = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  phone_token: Type.Union([Type.String(), Type.Null()]),
  avatar_url: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const RegisterBody = Type.Object(
  { email: Email, password: Password, name: Type.Optional(Name), phone: Type.Optional(Phone) },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    email: Type.String({ maxLength: 254 }),
    password: Type.String({ maxLength: PASSWORD_MAX }),
    transport: Type.Optional(Type.Union([Type.Literal('body'), Type.Literal('cookie')])),
  },
  { additionalProperties: false },
);

export const ChangePasswordBody = Type.Object(
  { current_password: Type.String({ maxLength: PASSWORD_MAX }), new_password: Password },
  { additionalProperties: false },
);

export const UpdateMeBody = Type.Object(
  { name: Type.Optional(Name), avatar_url: Type.Optional(AvatarUrl), phone: Type.Optional(Phone) },
  { additionalProperties: false },
);

export const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  refresh_token: Type.Optional(Type.String()),
  session_id: Type.String(),
  user: User,
});

export const UserIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
