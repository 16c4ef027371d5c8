import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/record.js';
import type { Context } from '../context.js';
import { InvalidGrant, NotFound } from '../errors.js';
import type { SessionRow, UserRow } from '../storage/index.js';
import { issueAccessToken } from '../tokens/access.js';
import { hashRefreshToken, looksLikeRefreshToken, newRefreshToken } from './refresh-token.js';

export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
}

/** What login and refresh hand back: tokens for one session. */
export interface SessionTokens {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  session: SessionRow;
  user: UserRow;
  /** Seconds until the session's absolute expiry (the refresh cookie's Max-Age). */
  sessionRemaining: number;
}

/** Users get `profile vault`, administrators `admin` as well (SPEC §2.2). */
export function userScope(user: Pick<UserRow, 'is_admin'>): string {
  return user.is_admin ? 'profile vault admin' : 'profile vault';
}

/** Opens a session for a user who has just proven who they are. */
export async function openSession(
  ctx: Context,
  user: UserRow,
  client: ClientInfo,
): Promise<SessionTokens> {
  const now = ctx.now();
  const session = await ctx.store.sessions.create({
    id: randomUUID(),
    user_id: user.id,
    now,
    expires_at: now + ctx.config.sessionTtl * 1000,
    user_agent: client.userAgent?.slice(0, 512) ?? null,
    ip: client.ip,
  });
  return tokensFor(ctx, session, user, 0);
}

async function tokensFor(
  ctx: Context,
  session: SessionRow,
  user: UserRow,
  generation: number,
): Promise<SessionTokens> {
  const refreshToken = newRefreshToken();
  await ctx.store.refreshTokens.insert(refreshRecord(ctx, session.id, generation, refreshToken));
  return finish(ctx, session, user, refreshToken);
}

function refreshRecord(ctx: Context, sessionId: string, generation: number, token: string) {
  return {
    token_hash: hashRefreshToken(token),
    session_id: sessionId,
    generation,
    created_at: ctx.now(),
  };
}

function finish(
  ctx: Context,
  session: SessionRow,
  user: UserRow,
  refreshToken: string,
): SessionTokens {
  const sessionRemaining = Math.floor((session.expires_at - ctx.now()) / 1000);
  // An access token never outlives its session, not even on a resource server.
  const access = issueAccessToken(ctx, {
    sub: user.id,
    sid: session.id,
    scope: userScope(user),
    ttl: sessionRemaining,
  });
  return {
    accessToken: access.token,
    expiresIn: access.expiresIn,
    refreshToken,
    session,
    user,
    sessionRemaining,
  };
}

/**
 * Rotates a refresh token (SPEC §2.1).
 *
 * Each session has a generation counter; every refresh token records the
 * generation it was issued for. Presenting a token of the current generation
 * moves the session on by one compare-and-set UPDATE — of N concurrent
 * refreshes exactly one wins. The others (and any token of the generation just
 * superseded, within TESSERA_REFRESH_REUSE_WINDOW of the rotation) are
 * concurrent tabs, not thieves: they get a fresh token of the current
 * generation and the session stays usable. Anything older, or later, is a
 * replay of a stolen token: the whole session ends, as node-oidc-provider and
 * RFC 6819 §5.2.2.3 recommend.
 */
export async function refreshSession(ctx: Context, presented: string): Promise<SessionTokens> {
  if (!looksLikeRefreshToken(presented))
    throw new InvalidGrant(new Error('malformed refresh token'));
  const record = await ctx.store.refreshTokens.byHash(hashRefreshToken(presented));
  if (!record) throw new InvalidGrant(new Error('unknown refresh token'));
  const now = ctx.now();
  let session = await ctx.store.sessions.active(record.session_id, now);
  if (!session) throw new InvalidGrant(new Error('session ended'));

  const user = await ctx.store.users.byId(session.user_id);
  if (!user) throw new InvalidGrant(new Error('user gone'));
  const refreshToken = newRefreshToken();

  if (record.generation === session.generation) {
    // Move the session on and record the new token in one transaction: one commit
    // (one fsync on SQLite) per refresh, and never a rotation without its token.
    const sessionId = session.id;
    const rotated = await ctx.store.transaction(async (tx) => {
      const next = await tx.sessions.rotate(sessionId, record.generation, now);
      if (next !== undefined)
        await tx.refreshTokens.insert(refreshRecord(ctx, sessionId, next, refreshToken));
      return next;
    });
    if (rotated !== undefined) {
      return finish(
        ctx,
        { ...session, generation: rotated, rotated_at: now, last_used_at: now },
        user,
        refreshToken,
      );
    }
  }
  // Lost the race to a concurrent refresh, or presented an older token: look again.
  session = await ctx.store.sessions.active(record.session_id, now);
  if (!session) throw new InvalidGrant(new Error('session ended'));
  const justSuperseded =
    record.generation === session.generation - 1 &&
    session.rotated_at !== null &&
    now - session.rotated_at <= ctx.config.refreshReuseWindow * 1000;
  if (!justSuperseded) {
    await ctx.store.sessions.revoke(session.id, now);
    ctx.metrics.refreshReuse.inc();
    await recordAudit(ctx, {
      action: 'auth.refresh_reused',
      actor: session.user_id,
      target: session.id,
      details: { generation: record.generation, current: session.generation },
    });
    throw new InvalidGrant(new Error('refresh token reused; session ended'));
  }
  await ctx.store.refreshTokens.insert(
    refreshRecord(ctx, session.id, session.generation, refreshToken),
  );
  return finish(ctx, session, user, refreshToken);
}

/** Ends the session a refresh token belongs to; quietly does nothing for unknown tokens. */
export async function endSessionByRefreshToken(ctx: Context, presented: string): Promise<void> {
  if (!looksLikeRefreshToken(presented)) return;
  const record = await ctx.store.refreshTokens.byHash(hashRefreshToken(presented));
  if (record) await ctx.store.sessions.revoke(record.session_id, ctx.now());
}

export function endSession(ctx: Context, sessionId: string): Promise<boolean> {
  return ctx.store.sessions.revoke(sessionId, ctx.now());
}

/** Ends one of the user's own sessions; someone else's is "not found", not "forbidden". */
export async function endOwnSession(
  ctx: Context,
  userId: string,
  sessionId: string,
): Promise<void> {
  const session = await ctx.store.sessions.active(sessionId, ctx.now());
  if (!session || session.user_id !== userId) throw new NotFound('No such session.');
  await ctx.store.sessions.revoke(sessionId, ctx.now());
}

export function endOtherSessions(
  ctx: Context,
  userId: string,
  keep: string | null,
): Promise<number> {
  return ctx.store.sessions.revokeAll(userId, keep, ctx.now());
}

export function listSessions(ctx: Context, userId: string): Promise<SessionRow[]> {
  return ctx.store.sessions.listActive(userId, ctx.now());
}
