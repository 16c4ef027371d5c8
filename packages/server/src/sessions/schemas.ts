import { Type } from 'typebox';

export const RefreshBody = Type.Object(
  { refresh_token: Type.Optional(Type.String({ maxLength: 512 })) },
  { additionalProperties: false },
);

export const Session = Type.Object({
  id: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.String({ format: 'date-time' }),
  expires_at: Type.String({ format: 'date-time' }),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  current: Type.Boolean(),
});

export const SessionList = Type.Object({ sessions: Type.Array(Session) });

export const SessionIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
