import type { Context } from '../context.js';
import { InvalidRequest, TesseraError } from '../errors.js';
import type { UserRow } from '../storage/index.js';
import { FORMATS, MIN_TOKEN_SPACE, maskPhone } from './formats.js';
import { isItemError } from './service.js';

/**
 * Profile phone numbers live in the vault (SPEC §2.1): the user row keeps only the phone
 * token, owned by the user, and shows its mask. The token keeps the country code, the
 * length and the last two digits, so the mask is derived from the token alone.
 */

/**
 * Validates a phone number before anything is written; `phone: …` errors. Includes the vault's
 * token-space rule: a short number (`+9324662`: 2 free digits) would be refused by the vault
 * only after the account row exists, which was a 500 on register and on PATCH /v1/me
 * (test/security/regressions.test.ts).
 */
export function checkPhone(phone: string): void {
  const normalized = FORMATS.phone.normalize(phone, 'phone');
  const options = { preserve: 'last4', luhn: false } as const;
  if (FORMATS.phone.space(normalized, options) < MIN_TOKEN_SPACE) {
    throw new InvalidRequest('phone: the number has too few digits to be tokenized safely.');
  }
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
    // A refusal by the vault is the caller's mistake (a 4xx naming the field), never a 500.
    if (result && isItemError(result)) {
      throw new TesseraError(result.error, result.error_description.replace(/^[^:]*:/, 'phone:'));
    }
    if (!result) throw new Error('could not tokenize the phone number');
    token = result.token;
  }
  const updated = await ctx.store.users.update(user.id, { phone_token: token }, ctx.now());
  if (user.phone_token !== null && user.phone_token !== token) {
    await ctx.vault.delete({ sub: user.id, scopes: new Set() }, user.phone_token).catch(() => {});
  }
  return updated ?? user;
}
