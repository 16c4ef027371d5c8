import { randomUUID } from 'node:crypto';
import type { Static } from 'typebox';
import type { Context } from '../context.js';
import { EmailTaken, InvalidCredentials, NotFound } from '../errors.js';
import { UniqueViolation, type UserRow } from '../storage/index.js';
import { issueAccessToken } from '../tokens/access.js';
import { normalizeEmail, parseEmail } from './email.js';
import { hashPassword } from './password.js';
import type { RegisterBody, TokenResponse, UpdateMeBody, User } from './schemas.js';

/** The public view of a user row: the only shape that ever leaves the server. */
export function toUser(row: UserRow): Static<typeof User> {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    phone: null,
    phone_token: row.phone_token,
    avatar_url: row.avatar_url,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

/** @example await register(ctx, { email: 'ada@example.com', password: 'correct horse' }) */
export async function register(
  ctx: Context,
  input: Static<typeof RegisterBody> & { admin?: boolean },
): Promise<UserRow> {
  const email = parseEmail(input.email);
  const passwordHash = await hashPassword(input.password);
  try {
    return await ctx.store.users.create({
      id: randomUUID(),
      email,
      password_hash: passwordHash,
      name: input.name ?? null,
      is_admin: input.admin ?? false,
      now: ctx.now(),
    });
  } catch (err) {
    if (err instanceof UniqueViolation) throw new EmailTaken();
    throw err;
  }
}

export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
}

/**
 * Checks a password and opens a session. The unknown-email path does the same
 * database read and the same argon2 work as the wrong-password path, and both
 * throw the same error, so neither status, body nor timing tells them apart.
 */
export async function login(
  ctx: Context,
  input: { email: string; password: string },
  client: ClientInfo,
): Promise<Static<typeof TokenResponse>> {
  const user = await ctx.store.users.byEmail(normalizeEmail(input.email));
  const ok = await ctx.passwords.verify(user?.password_hash, input.password);
  if (!user || !ok) {
    ctx.metrics.logins.inc({ result: 'failure' });
    throw new InvalidCredentials();
  }
  const now = ctx.now();
  const session = await ctx.store.sessions.create({
    id: randomUUID(),
    user_id: user.id,
    now,
    expires_at: now + ctx.config.sessionTtl * 1000,
    user_agent: client.userAgent?.slice(0, 512) ?? null,
    ip: client.ip,
  });
  ctx.metrics.logins.inc({ result: 'success' });
  const access = issueAccessToken(ctx, { sub: user.id, sid: session.id, scope: userScope(user) });
  return {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: access.expiresIn,
    session_id: session.id,
    user: toUser(user),
  };
}

/** Users get `profile vault`, administrators `admin` as well (SPEC §2.2). */
export function userScope(user: Pick<UserRow, 'is_admin'>): string {
  return user.is_admin ? 'profile vault admin' : 'profile vault';
}

export async function getUser(ctx: Context, id: string): Promise<UserRow> {
  const user = await ctx.store.users.byId(id);
  if (!user) throw new NotFound('No such user.');
  return user;
}

export async function updateUser(
  ctx: Context,
  id: string,
  patch: Static<typeof UpdateMeBody>,
): Promise<UserRow> {
  const changes: { name?: string | null; avatar_url?: string | null } = {};
  if (patch.name !== undefined) changes.name = patch.name;
  if (patch.avatar_url !== undefined) changes.avatar_url = patch.avatar_url;
  const user = await ctx.store.users.update(id, changes, ctx.now());
  if (!user) throw new NotFound('No such user.');
  return user;
}
