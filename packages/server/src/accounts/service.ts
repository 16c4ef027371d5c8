import { randomUUID } from 'node:crypto';
import type { Static } from 'typebox';
import { recordAudit } from '../audit/record.js';
import type { Context } from '../context.js';
import { EmailTaken, InvalidCredentials, NotFound } from '../errors.js';
import {
  type ClientInfo,
  endOtherSessions,
  openSession,
  type SessionTokens,
} from '../sessions/service.js';
import { UniqueViolation, type UserRow } from '../storage/index.js';
import { checkPhone, phoneMask, setPhone } from '../vault/profile-phone.js';
import { normalizeEmail, parseEmail } from './email.js';
import type { RegisterBody, UpdateMeBody, User } from './schemas.js';
import { beginLoginAttempt, loginSucceeded } from './throttle.js';

/** The public view of a user row: the only shape that ever leaves the server. */
export function toUser(row: UserRow): Static<typeof User> {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    phone: phoneMask(row.phone_token),
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
  if (input.phone != null) checkPhone(input.phone);
  const passwordHash = await ctx.passwords.hash(input.password);
  let user: UserRow;
  try {
    user = await ctx.store.users.create({
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
  return input.phone == null ? user : setPhone(ctx, user, input.phone);
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
): Promise<SessionTokens> {
  const attempt = await beginLoginAttempt(ctx, input.email, client.ip);
  const user = await ctx.store.users.byEmail(normalizeEmail(input.email));
  const ok = await ctx.passwords.verify(user?.password_hash, input.password);
  if (!user || !ok) {
    ctx.metrics.logins.inc({ result: 'failure' });
    await recordAudit(ctx, {
      action: 'auth.login_failed',
      target: user?.id ?? null,
      details: { ip: client.ip },
    });
    throw new InvalidCredentials();
  }
  await loginSucceeded(ctx, attempt);
  ctx.metrics.logins.inc({ result: 'success' });
  const tokens = await openSession(ctx, user, client);
  await recordAudit(ctx, {
    action: 'auth.login_succeeded',
    actor: user.id,
    target: tokens.session.id,
    details: { ip: client.ip },
  });
  return tokens;
}

/** Sets a new password after checking the current one; every other session of the user ends. */
export async function changePassword(
  ctx: Context,
  userId: string,
  currentSessionId: string | undefined,
  input: { current_password: string; new_password: string },
  ip: string | null,
): Promise<void> {
  const user = await getUser(ctx, userId);
  // A stolen access token must not turn into unlimited guesses at the password.
  const attempt = await beginLoginAttempt(ctx, user.email, ip);
  if (!(await ctx.passwords.verify(user.password_hash, input.current_password))) {
    throw new InvalidCredentials();
  }
  await loginSucceeded(ctx, attempt);
  const passwordHash = await ctx.passwords.hash(input.new_password);
  await ctx.store.users.update(userId, { password_hash: passwordHash }, ctx.now());
  await endOtherSessions(ctx, userId, currentSessionId ?? null);
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
  if (patch.phone != null) checkPhone(patch.phone);
  const changes: { name?: string | null; avatar_url?: string | null } = {};
  if (patch.name !== undefined) changes.name = patch.name;
  if (patch.avatar_url !== undefined) changes.avatar_url = patch.avatar_url;
  const user = await ctx.store.users.update(id, changes, ctx.now());
  if (!user) throw new NotFound('No such user.');
  return patch.phone === undefined ? user : setPhone(ctx, user, patch.phone);
}
