import type { AuditEvent } from '../audit/chain.js';
import { appendAudit } from '../audit/chain.js';
import type { MasterKey } from '../crypto/master-key.js';
import { type ErrorCode, InvalidRequest, NotFound, TesseraError, TokenExpired } from '../errors.js';
import type { Store, VaultTokenRow } from '../storage/index.js';
import { lookupHash, openValue, sealValue } from './encrypt.js';
import { FORMATS, type FormatOptions, MIN_TOKEN_SPACE, type VaultType } from './formats.js';
import { DataKeys } from './keys.js';

/** One item of `POST /v1/vault/tokens` (and of a batch). */
export interface TokenizeInput {
  value: string;
  type: VaultType;
  preserve?: 'last4' | 'first6_last4';
  luhn?: boolean;
  deterministic?: boolean;
  ttl_seconds?: number;
  metadata?: Record<string, unknown>;
}

/** A vault record as the API shows it: never the value. */
export interface VaultRecord {
  token: string;
  type: string;
  masked: string;
  metadata: Record<string, unknown> | null;
  created_at: string;
  expires_at: string | null;
}

export interface ItemError {
  error: ErrorCode;
  error_description: string;
}

export type DetokenizeResult =
  | { token: string; type: string; value: string }
  | { token: string; error: ErrorCode; error_description: string };

/** Who acts: a user (owner of their tokens) or a service client with `vault:*` scopes. */
export interface Caller {
  sub: string;
  scopes: ReadonlySet<string>;
}

/** Metadata is for labels and references, not data: a small JSON object. */
export const METADATA_MAX_BYTES = 4096;
/** Labels and references need no depth; a bound keeps every walk over metadata cheap. */
export const METADATA_MAX_DEPTH = 32;

/** How deep a parsed JSON value nests, without recursion; stops counting past the limit. */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > METADATA_MAX_DEPTH) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}
/** Expired tokens answer 410 for this long, then the sweep deletes them. */
export const PURGE_GRACE_MS = 60 * 60_000;
/** Rounds of fresh tokens for the items that collided before giving up. */
const MAX_ROUNDS = 8;

interface Prepared {
  index: number;
  type: VaultType;
  value: string;
  options: FormatOptions;
  lookup: string | null;
  metadata: string | null;
  expiresAt: number | null;
}

export interface VaultDeps {
  store: Store;
  masterKey: MasterKey;
  now: () => number;
}

/**
 * The token vault (SPEC §2.3): validation and formats, encryption under data keys,
 * deterministic lookups, policy, and the audit trail of every operation.
 */
export class Vault {
  readonly keys: DataKeys;
  readonly #store: Store;
  readonly #masterKey: MasterKey;
  readonly #now: () => number;
  readonly #indexKey: Buffer;

  constructor(deps: VaultDeps) {
    this.#store = deps.store;
    this.#masterKey = deps.masterKey;
    this.#now = deps.now;
    this.#indexKey = deps.masterKey.derive('vault-index');
    this.keys = new DataKeys(deps.store, deps.masterKey, deps.now);
  }

  /**
   * Tokenizes items for `owner`; one result per item, in order: a record or an error.
   * `field` names the value in error messages (`value`, `items.3.value`, `phone`…).
   *
   * @example
   * const [rec] = await vault.tokenize('usr_1', [{ value: '4111 1111 1111 1111', type: 'card' }]);
   */
  async tokenize(
    owner: string,
    items: readonly TokenizeInput[],
    field: (index: number) => string = () => 'value',
  ): Promise<Array<VaultRecord | ItemError>> {
    const now = this.#now();
    const results: Array<VaultRecord | ItemError | undefined> = new Array(items.length);
    const pending: Prepared[] = [];
    for (const [index, item] of items.entries()) {
      try {
        pending.push(this.#prepare(index, owner, item, now, field(index)));
      } catch (err) {
        results[index] = itemError(err);
      }
    }

    // Deterministic items: an existing token for the same owner, type and value is the answer.
    const byLookup = new Map<string, Prepared[]>();
    for (const p of pending) {
      if (p.lookup !== null) byLookup.set(p.lookup, [...(byLookup.get(p.lookup) ?? []), p]);
    }
    const existing = await this.#store.vault.byLookups([...byLookup.keys()]);
    for (const row of existing) {
      if (row.expires_at !== null && row.expires_at <= now) {
        // An expired deterministic token gives way to a new one.
        await this.#store.vault.delete(row.token);
        continue;
      }
      for (const p of byLookup.get(row.lookup ?? '') ?? []) results[p.index] = toRecord(row);
      byLookup.delete(row.lookup ?? '');
    }
    // Within one batch, repeats of a deterministic value share the first one's token.
    const repeats = new Map<number, number>();
    let todo = pending.filter((p) => {
      if (results[p.index] !== undefined) return false;
      if (p.lookup === null) return true;
      const first = byLookup.get(p.lookup)?.[0];
      if (first && first !== p) {
        repeats.set(p.index, first.index);
        return false;
      }
      return true;
    });

    const key = await this.keys.active();
    // Rows and their audit event commit together: one transaction, one sync to disk, and
    // no token exists that the audit log does not mention.
    const write =
      todo.length === 0
        ? undefined
        : this.#store.transaction(async (tx) => {
            const created: string[] = [];
            for (let round = 0; todo.length > 0; round++) {
              if (round === MAX_ROUNDS) {
                for (const p of todo) {
                  results[p.index] = {
                    error: 'invalid_request',
                    error_description: `${field(p.index)}: no unused ${p.type} token is left for this value's format; the token space is exhausted.`,
                  };
                }
                break;
              }
              const rows = todo.map((p) => this.#row(p, owner, key.version, key.key, now));
              const inserted = await tx.vault.insertMany(rows);
              const missed: Prepared[] = [];
              const raced: string[] = [];
              rows.forEach((row, i) => {
                const p = todo[i]!;
                if (inserted.has(row.token)) {
                  results[p.index] = toRecord(row);
                  created.push(row.token);
                } else {
                  missed.push(p);
                  if (p.lookup !== null) raced.push(p.lookup);
                }
              });
              // A deterministic item may have lost to a concurrent call with the same value.
              const won = new Map((await tx.vault.byLookups(raced)).map((r) => [r.lookup, r]));
              todo = missed.filter((p) => {
                const row = p.lookup === null ? undefined : won.get(p.lookup);
                if (row) results[p.index] = toRecord(row);
                return !row;
              });
            }
            if (created.length > 0) {
              await appendAudit(tx, this.#masterKey, now, {
                action: 'vault.tokenize',
                actor: owner,
                target: created.length === 1 ? created[0]! : null,
                details: { count: created.length, tokens: created },
              });
            }
          });
    await write;
    for (const [index, first] of repeats) results[index] = results[first];
    return results as Array<VaultRecord | ItemError>;
  }

  /** Values of tokens the caller may see; one result per token, in order. Audited with `reason`. */
  async detokenize(
    caller: Caller,
    tokens: readonly string[],
    reason: string | undefined,
  ): Promise<DetokenizeResult[]> {
    const now = this.#now();
    const rows = new Map(
      (await this.#store.vault.byTokens([...new Set(tokens)])).map((r) => [r.token, r]),
    );
    const results: DetokenizeResult[] = [];
    const revealed: string[] = [];
    let refused = 0;
    for (const token of tokens) {
      const row = rows.get(token);
      if (!row || !this.#may(caller, row, 'vault:detokenize')) {
        refused += 1;
        results.push({ token, ...itemError(new NotFound('No such token.')) });
      } else if (row.expires_at !== null && row.expires_at <= now) {
        refused += 1;
        results.push({ token, ...itemError(new TokenExpired()) });
      } else {
        const key = await this.keys.get(row.key_version);
        results.push({
          token,
          type: row.type,
          value: openValue(key, row.ciphertext, row.token, row.type, row.owner),
        });
        revealed.push(token);
      }
    }
    // Written (and committed) before any value leaves: no unrecorded disclosure.
    await this.#audit({
      action: 'vault.detokenize',
      actor: caller.sub,
      target: revealed.length === 1 ? revealed[0]! : null,
      details: { reason: reason ?? null, count: revealed.length, refused, tokens: revealed },
    });
    return results;
  }

  /** The record of a token the caller may read; 404 otherwise, 410 once expired. */
  async get(caller: Caller, token: string): Promise<VaultRecord> {
    const row = await this.#store.vault.byToken(token);
    if (!row || !this.#may(caller, row, 'vault:read')) throw new NotFound('No such token.');
    if (row.expires_at !== null && row.expires_at <= this.#now()) throw new TokenExpired();
    return toRecord(row);
  }

  /** A page of tokens: the caller's own, or every owner's with `vault:read`. */
  async list(
    caller: Caller,
    query: { type?: string | undefined; limit?: number | undefined; cursor?: string | undefined },
  ): Promise<{ items: VaultRecord[]; next_cursor: string | null }> {
    const limit = query.limit ?? 50;
    let after: string | undefined;
    if (query.cursor !== undefined) {
      after = Buffer.from(query.cursor, 'base64url').toString('utf8');
      if (after === '') throw new InvalidRequest('cursor: is not a cursor from this API.');
    }
    const rows = await this.#store.vault.list({
      owner: caller.scopes.has('vault:read') ? undefined : caller.sub,
      type: query.type,
      after,
      limit: limit + 1,
      now: this.#now(),
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toRecord),
      next_cursor:
        rows.length > limit && last ? Buffer.from(last.token, 'utf8').toString('base64url') : null,
    };
  }

  /** Deletes a token and its ciphertext; 404 when absent or not the caller's to delete. */
  async delete(caller: Caller, token: string): Promise<void> {
    const row = await this.#store.vault.byToken(token);
    if (!row || !this.#may(caller, row, 'vault:delete')) throw new NotFound('No such token.');
    await this.#store.transaction(async (tx) => {
      if (await tx.vault.delete(token)) {
        await appendAudit(tx, this.#masterKey, this.#now(), {
          action: 'vault.delete',
          actor: caller.sub,
          target: token,
        });
      }
    });
  }

  /** Deletes tokens that expired more than `PURGE_GRACE_MS` ago; returns how many. */
  async purgeExpired(): Promise<number> {
    const count = await this.#store.vault.purgeExpired(this.#now() - PURGE_GRACE_MS);
    if (count > 0) await this.#audit({ action: 'vault.purge', details: { count } });
    return count;
  }

  /** Opens a record's value with its data key (for rotation). */
  async open(row: VaultTokenRow): Promise<string> {
    const key = await this.keys.get(row.key_version);
    return openValue(key, row.ciphertext, row.token, row.type, row.owner);
  }

  audit(event: AuditEvent) {
    return this.#audit(event);
  }

  #audit(event: AuditEvent) {
    return appendAudit(this.#store, this.#masterKey, this.#now(), event);
  }

  #may(caller: Caller, row: VaultTokenRow, scope: string): boolean {
    return row.owner === caller.sub || caller.scopes.has(scope);
  }

  #prepare(
    index: number,
    owner: string,
    item: TokenizeInput,
    now: number,
    field: string,
  ): Prepared {
    const format = FORMATS[item.type];
    if (!format) throw new InvalidRequest(`${field.replace(/value$/, 'type')}: unknown type.`);
    const base = field.replace(/value$/, '');
    if (item.type !== 'card' && (item.preserve !== undefined || item.luhn !== undefined)) {
      throw new InvalidRequest(`${base}preserve: preserve and luhn apply to type card only.`);
    }
    const value = format.normalize(item.value, field);
    const options: FormatOptions = {
      preserve: item.preserve ?? 'last4',
      luhn: item.luhn ?? false,
    };
    const space = format.space(value, options);
    if (space < MIN_TOKEN_SPACE) {
      throw new InvalidRequest(
        `${base}preserve: this format leaves only ${Math.floor(space)} possible tokens for the value (at least ${MIN_TOKEN_SPACE} are needed to keep tokens unique and unguessable); keep fewer digits.`,
      );
    }
    let metadata: string | null = null;
    if (item.metadata !== undefined) {
      // Checked before JSON.stringify, which recurses: a body nested thousands of levels deep
      // overflowed the stack and answered 500 (test/security/regressions.test.ts).
      if (nestingDepth(item.metadata) > METADATA_MAX_DEPTH) {
        throw new InvalidRequest(
          `${base}metadata: must be nested at most ${METADATA_MAX_DEPTH} levels deep.`,
        );
      }
      metadata = JSON.stringify(item.metadata);
      if (Buffer.byteLength(metadata) > METADATA_MAX_BYTES) {
        throw new InvalidRequest(
          `${base}metadata: must be at most ${METADATA_MAX_BYTES} bytes of JSON.`,
        );
      }
    }
    return {
      index,
      type: item.type,
      value,
      options,
      lookup: item.deterministic ? lookupHash(this.#indexKey, owner, item.type, value) : null,
      metadata,
      expiresAt: item.ttl_seconds === undefined ? null : now + item.ttl_seconds * 1000,
    };
  }

  #row(p: Prepared, owner: string, version: number, key: Buffer, now: number): VaultTokenRow {
    const format = FORMATS[p.type];
    const token = format.token(p.value, p.options);
    return {
      token,
      type: p.type,
      owner,
      ciphertext: sealValue(key, p.value, token, p.type, owner),
      key_version: version,
      lookup: p.lookup,
      masked: format.mask(p.value),
      metadata: p.metadata,
      created_at: now,
      expires_at: p.expiresAt,
    };
  }
}

export function toRecord(row: VaultTokenRow): VaultRecord {
  return {
    token: row.token,
    type: row.type,
    masked: row.masked,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>),
    created_at: new Date(row.created_at).toISOString(),
    expires_at: row.expires_at === null ? null : new Date(row.expires_at).toISOString(),
  };
}

function itemError(err: unknown): ItemError {
  if (err instanceof TesseraError) return { error: err.error, error_description: err.message };
  throw err;
}

export function isItemError(r: VaultRecord | ItemError): r is ItemError {
  return 'error' in r;
}
