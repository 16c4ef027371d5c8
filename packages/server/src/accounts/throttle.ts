import type { Context } from '../context.js';
import { RateLimited } from '../errors.js';
import { normalizeEmail } from './email.js';

/**
 * Login throttling (SPEC §2.1). Two fixed-window counters per attempt: one for
 * the account (whatever address the attempts come from, so rotating
 * X-Forwarded-For or botnets do not reset it) and one for the client address
 * (so one source cannot spray many accounts).
 *
 * An attempt is counted *before* the password is checked, by one atomic
 * upsert: 50 parallel guesses see counts 1…50 and only those within the limit
 * reach argon2 — a read-then-write counter would let them all through. A
 * successful login forgets the account's count and gives the address its hit
 * back. Unknown emails are counted like known ones: a 429 tells nothing about
 * whether an account exists.
 */
export interface LoginAttempt {
  accountKey: string;
  addressKey: string | null;
}

export async function beginLoginAttempt(
  ctx: Context,
  email: string,
  ip: string | null,
): Promise<LoginAttempt> {
  const { windowSeconds, maxPerAccount, maxPerAddress } = ctx.config.loginThrottle;
  const now = ctx.now();
  const windowMs = windowSeconds * 1000;
  const attempt: LoginAttempt = {
    accountKey: `login:account:${normalizeEmail(email)}`,
    addressKey: ip === null ? null : `login:address:${ip}`,
  };
  const account = await ctx.store.throttle.hit(attempt.accountKey, now, windowMs);
  const address = attempt.addressKey
    ? await ctx.store.throttle.hit(attempt.addressKey, now, windowMs)
    : undefined;
  const over = [
    account.count > maxPerAccount ? account.window_start + windowMs - now : 0,
    address && address.count > maxPerAddress ? address.window_start + windowMs - now : 0,
  ];
  const wait = Math.max(...over);
  if (wait > 0) {
    ctx.metrics.logins.inc({ result: 'throttled' });
    throw new RateLimited(wait / 1000);
  }
  return attempt;
}

export async function loginSucceeded(ctx: Context, attempt: LoginAttempt): Promise<void> {
  await ctx.store.throttle.reset(attempt.accountKey);
  if (attempt.addressKey) await ctx.store.throttle.release(attempt.addressKey);
}
