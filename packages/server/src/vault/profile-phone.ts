import type { Context } from '../context.js';
import type { UserRow } from '../storage/index.js';
import { FORMATS, maskPhone } from './formats.js';
import { isItemError } from './service.js';

/**
 * Profile phone numbers live in the vault (SPEC §2.1): the user row keeps only the phone
 * token, owned by the user, and shows its mask. The token keeps the country code, the
 * length and the last two digits, so the mask is derived from the token alone.
 */

/** Validates a phone number before anything is written; `phone: …` errors. */
export function checkPhone(phone: string): void {
  FORMATS.phone.normalize(phone, 'phone');
}

/** `+91********10` for a phone token (or null). */
export function phoneMask(phoneToken: string | null): string | null {
  return phoneToken === null ? null : maskPhone(phoneToken);
}

/**
 * Sets (or with null, clears) a user's phone: tokenizes the new number, points the user
 * at the new token, then deletes the old token so the old number is gone from the vault.
 */
export async function setPhone(
  ctx: Context,
  user: UserRow,
  phone: string | null,
): Promise<UserRow> {
  let token: string | null = null;
  if (phone !== null) {
    const [result] = await ctx.vault.tokenize(
      user.id,
      [{ value: phone, type: 'phone' }],
      () => 'phone',
    );
    if (!result || isItemError(result)) throw new Error('could not tokenize the phone number');
    token = result.token;
  }
  const updated = await ctx.store.users.update(user.id, { phone_token: token }, ctx.now());
  if (user.phone_token !== null && user.phone_token !== token) {
    await ctx.vault.delete({ sub: user.id, scopes: new Set() }, user.phone_token).catch(() => {});
  }
  return updated ?? user;
}
