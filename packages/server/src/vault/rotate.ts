import type { Store } from '../storage/index.js';
import { sealValue } from './encrypt.js';
import type { Vault } from './service.js';

export interface RotationProgress {
  done: number;
  total: number;
}

export interface RotationResult {
  /** The active data key now. */
  version: number;
  /** True when an earlier, unfinished rotation was resumed instead of making a new key. */
  resumed: boolean;
  reencrypted: number;
  /** Records that could not be opened (left as they are, and counted). */
  failed: number;
  /** Stopped by the signal before every record was re-encrypted; run again to resume. */
  interrupted: boolean;
}

export interface RotationOptions {
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: RotationProgress) => void;
  /** How long a running server may keep sealing under the old key (its key refresh). */
  settleMs?: number;
}

/**
 * Makes a new data key the active one and re-encrypts every record under it, one batch
 * per transaction, so the server keeps serving throughout and an interruption loses
 * nothing. Running it again while records remain on older keys resumes that rotation
 * rather than starting another one.
 *
 * @example
 * const result = await rotateDataKey(ctx.vault, ctx.store, { onProgress: console.log });
 */
export async function rotateDataKey(
  vault: Vault,
  store: Store,
  options: RotationOptions = {},
): Promise<RotationResult> {
  const batchSize = options.batchSize ?? 500;
  const settleMs = options.settleMs ?? 6_000;
  await vault.keys.load();
  let active = await vault.keys.active();
  const counts = await store.vault.countByKey();
  const stale = counts.filter((c) => c.version !== active.version).reduce((n, c) => n + c.count, 0);
  const resumed = stale > 0;
  const startedAt = Date.now();
  if (!resumed) {
    const previous = active.version;
    active = await vault.keys.rotate();
    await vault.audit({
      action: 'vault.key_rotated',
      target: String(active.version),
      details: { from: previous, to: active.version },
    });
  }
  const total = counts.filter((c) => c.version !== active.version).reduce((n, c) => n + c.count, 0);
  const progress: RotationProgress = { done: 0, total };
  const failed = new Set<string>();
  let reencrypted = 0;

  const pass = async (): Promise<{ moved: number; interrupted: boolean }> => {
    let after: string | undefined;
    let moved = 0;
    for (;;) {
      // SQLite answers synchronously: without a turn of the event loop between batches,
      // a signal (Ctrl-C) would never be handled until the whole run was over.
      await new Promise((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) return { moved, interrupted: true };
      const rows = await store.vault.notOnKey(active.version, after, batchSize);
      if (rows.length === 0) return { moved, interrupted: false };
      after = rows.at(-1)?.token;
      const updates: Array<{ token: string; from: number; ciphertext: string }> = [];
      for (const row of rows) {
        try {
          const value = await vault.open(row);
          updates.push({
            token: row.token,
            from: row.key_version,
            ciphertext: sealValue(active.key, value, row.token, row.type, row.owner),
          });
        } catch {
          failed.add(row.token);
        }
      }
      const n = await store.transaction(async (tx) => {
        let count = 0;
        for (const u of updates) {
          // Compare-and-set on the old version: a record deleted meanwhile stays deleted.
          if (await tx.vault.rekey(u.token, u.from, active.version, u.ciphertext)) count += 1;
        }
        return count;
      });
      moved += n;
      reencrypted += n;
      progress.done += rows.length;
      progress.total = Math.max(progress.total, progress.done);
      options.onProgress?.({ ...progress });
    }
  };

  let result = await pass();
  if (!result.interrupted) {
    // A server that had loaded the old key keeps using it until its next refresh: let
    // that window pass, then sweep up what it wrote.
    const wait = settleMs - (Date.now() - startedAt);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    result = await pass();
  }
  if (!result.interrupted) {
    await vault.audit({
      action: 'vault.key_rotation_finished',
      target: String(active.version),
      details: { reencrypted, failed: failed.size, resumed },
    });
  }
  return {
    version: active.version,
    resumed,
    reencrypted,
    failed: failed.size,
    interrupted: result.interrupted,
  };
}
