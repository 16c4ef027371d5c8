import type { Context } from '../context.js';
import type { AuditRow } from '../storage/index.js';
import { type AuditEvent, appendAudit } from './chain.js';

export type { AuditEvent } from './chain.js';

/**
 * Writes one event to the append-only, hash-chained audit log and resolves once it is
 * committed. Put facts in it, never values: no vault value, password, secret or token
 * of a session (a vault token, which stands for a value, is fine).
 *
 * Actions in use: `vault.tokenize`, `vault.detokenize`, `vault.delete`, `vault.purge`,
 * `vault.key_rotated`, `vault.key_rotation_finished`, `client.created`, `client.token`,
 * `client.auth_failed`, `keys.rotated`;
 * for sessions: `auth.login_succeeded`, `auth.login_failed`, `auth.refresh_reused`.
 *
 * @example
 * await recordAudit(ctx, { action: 'auth.login_failed', actor: null, details: { ip } });
 */
export function recordAudit(ctx: Context, event: AuditEvent): Promise<AuditRow> {
  return appendAudit(ctx.store, ctx.masterKey, ctx.now(), event);
}
