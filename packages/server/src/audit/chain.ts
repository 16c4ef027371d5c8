import { createHmac } from 'node:crypto';
import type { MasterKey } from '../crypto/master-key.js';
import type { AuditRow, Store } from '../storage/index.js';

/** `prev_hash` of the first row. */
export const GENESIS = '0'.repeat(64);

/** What happened, by whom, to what. Never a vault value, a secret, a password or a token of a session. */
export interface AuditEvent {
  /** Dotted name, e.g. `vault.detokenize`, `auth.login_failed`. */
  action: string;
  /** The user id or service client id that acted (null for the system or an unknown caller). */
  actor?: string | null;
  /** What it acted on: a vault token, a user id, a key version… */
  target?: string | null;
  /** Small JSON object of further facts (counts, a reason, an address). */
  details?: Record<string, unknown>;
}

/**
 * The link of a row: HMAC-SHA256 under the master key's `audit-chain` derivation over the
 * row's fields and the previous row's hash. Keyed, so someone who can write to the
 * database but does not hold the master key cannot rewrite history and re-chain it.
 */
export function linkHash(key: Buffer, row: Omit<AuditRow, 'hash'>): string {
  return createHmac('sha256', key)
    .update(
      JSON.stringify([
        row.seq,
        row.at,
        row.action,
        row.actor,
        row.target,
        row.details,
        row.prev_hash,
      ]),
    )
    .digest('hex');
}

/** Appends one event to the chain (serialized against concurrent appends by the store). */
export function appendAudit(
  store: Store,
  masterKey: MasterKey,
  at: number,
  event: AuditEvent,
): Promise<AuditRow> {
  const key = masterKey.derive('audit-chain');
  const details = JSON.stringify(event.details ?? {});
  return store.audit.append((tail) => {
    const row = {
      seq: (tail?.seq ?? 0) + 1,
      at,
      action: event.action,
      actor: event.actor ?? null,
      target: event.target ?? null,
      details,
      prev_hash: tail?.hash ?? GENESIS,
    };
    return { ...row, hash: linkHash(key, row) };
  });
}

export interface ChainReport {
  ok: boolean;
  /** Rows checked. */
  rows: number;
  /** The first row whose link does not hold, and why. */
  broken?: { seq: number; reason: string };
}

/** Walks the whole chain oldest first, in pages; stops at the first broken link. */
export async function verifyChain(store: Store, masterKey: MasterKey): Promise<ChainReport> {
  const key = masterKey.derive('audit-chain');
  let prev: AuditRow | undefined;
  let rows = 0;
  for (;;) {
    const page = await store.audit.scan(prev?.seq ?? 0, 1000);
    if (page.length === 0) return { ok: true, rows };
    for (const row of page) {
      const expectedSeq = (prev?.seq ?? 0) + 1;
      const expectedPrev = prev?.hash ?? GENESIS;
      let reason: string | undefined;
      if (row.seq !== expectedSeq) reason = `row ${expectedSeq} is missing (next is ${row.seq})`;
      else if (row.prev_hash !== expectedPrev) reason = 'prev_hash does not match the previous row';
      else if (row.hash !== linkHash(key, row)) reason = 'hash does not match the row (altered)';
      if (reason !== undefined) return { ok: false, rows, broken: { seq: row.seq, reason } };
      prev = row;
      rows += 1;
    }
  }
}
