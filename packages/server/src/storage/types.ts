/** Epoch milliseconds. Every timestamp in storage is one of these, never a `Date`. */
export type Millis = number;

export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  name: string | null;
  phone_token: string | null;
  avatar_url: string | null;
  is_admin: boolean;
  created_at: Millis;
  updated_at: Millis;
}

export interface NewUser {
  id: string;
  /** Already normalized (trimmed, lower-cased) by the caller. */
  email: string;
  password_hash: string;
  name: string | null;
  is_admin: boolean;
  now: Millis;
}

/** Only the fields present are written; `updated_at` is always set. */
export interface UserPatch {
  name?: string | null;
  avatar_url?: string | null;
  phone_token?: string | null;
  password_hash?: string;
}

export interface SessionRow {
  id: string;
  user_id: string;
  created_at: Millis;
  last_used_at: Millis;
  expires_at: Millis;
  revoked_at: Millis | null;
  user_agent: string | null;
  ip: string | null;
  generation: number;
  /** When `generation` last moved on (the latest refresh), or null before the first. */
  rotated_at: Millis | null;
}

export interface NewSession {
  id: string;
  user_id: string;
  now: Millis;
  expires_at: Millis;
  user_agent: string | null;
  ip: string | null;
}

export interface RefreshTokenRow {
  token_hash: string;
  session_id: string;
  generation: number;
  created_at: Millis;
}

export interface ThrottleState {
  count: number;
  window_start: Millis;
}

export type KeyStatus = 'next' | 'active' | 'retired';

export interface SigningKeyRow {
  kid: string;
  alg: string;
  status: KeyStatus;
  /** Public JWK as JSON text; `null` for HS256. */
  public_jwk: string | null;
  /** Encrypted envelope, opaque to storage. */
  private_key: string;
  created_at: Millis;
  activated_at: Millis | null;
  retired_at: Millis | null;
  publish_until: Millis | null;
}

export interface VaultKeyRow {
  version: number;
  /** The data key sealed under the master key's `vault-data-keys` key; opaque to storage. */
  wrapped_key: string;
  status: 'active' | 'retired';
  created_at: Millis;
}

export interface VaultTokenRow {
  token: string;
  type: string;
  /** The user id or service client id that created the token. */
  owner: string;
  /** Envelope under data key `key_version`; opaque to storage. */
  ciphertext: string;
  key_version: number;
  /** Keyed HMAC of owner, type and normalized value for deterministic tokens, else null. */
  lookup: string | null;
  masked: string;
  /** JSON object text, or null. */
  metadata: string | null;
  created_at: Millis;
  expires_at: Millis | null;
}

export interface VaultListQuery {
  /** Only this owner's tokens; every owner's when undefined. */
  owner?: string | undefined;
  type?: string | undefined;
  /** Tokens strictly after this one, in token order. */
  after?: string | undefined;
  limit: number;
  /** Tokens that expired at or before this are left out. */
  now: Millis;
}

export interface ServiceClientRow {
  id: string;
  name: string;
  /** SHA-256 of the secret, hex. */
  secret_hash: string;
  /** Space-separated. */
  scopes: string;
  created_at: Millis;
}

export interface AuditRow {
  seq: number;
  at: Millis;
  action: string;
  actor: string | null;
  target: string | null;
  /** JSON object text. */
  details: string;
  prev_hash: string;
  hash: string;
}

export interface AuditQuery {
  action?: string | undefined;
  actor?: string | undefined;
  target?: string | undefined;
  since?: Millis | undefined;
  until?: Millis | undefined;
  /** Rows with `seq` strictly below this (newest first). */
  before?: number | undefined;
  limit: number;
}

/**
 * The whole of what routes and services may ask of the database. Kysely, SQL and the
 * dialect stay behind it, so SQLite and PostgreSQL pass one conformance suite.
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** Brings the schema to the latest version; returns the names of the migrations applied now. */
  migrate(): Promise<string[]>;
  /** Throws a `ConnectionFailed` if the database is unreachable (for `/readyz`). */
  ping(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
  users: {
    /** Throws `UniqueViolation` on a duplicate email. */
    create(u: NewUser): Promise<UserRow>;
    byId(id: string): Promise<UserRow | undefined>;
    /** Exact match: the caller has already normalized the email. */
    byEmail(email: string): Promise<UserRow | undefined>;
    /** Sets `updated_at`; `undefined` when no such user. */
    update(id: string, patch: UserPatch, now: Millis): Promise<UserRow | undefined>;
    count(): Promise<number>;
  };
  sessions: {
    create(s: NewSession): Promise<SessionRow>;
    byId(id: string): Promise<SessionRow | undefined>;
    /** Active = not revoked and `expires_at > now`. */
    active(id: string, now: Millis): Promise<SessionRow | undefined>;
    /** Moves `last_used_at` forward to `now` (never backwards). */
    touch(id: string, now: Millis): Promise<void>;
    /** `true` if the session was active; one `UPDATE … WHERE revoked_at IS NULL`. */
    revoke(id: string, now: Millis): Promise<boolean>;
    /** Newest first. */
    listActive(userId: string, now: Millis): Promise<SessionRow[]>;
    /**
     * Moves an active session from `fromGeneration` to the next one, in one conditional
     * UPDATE: of concurrent callers presenting the same generation exactly one wins.
     * Returns the new generation, or `undefined` if the session was not at
     * `fromGeneration` (or is no longer active).
     */
    rotate(id: string, fromGeneration: number, now: Millis): Promise<number | undefined>;
    /** Ends every active session of a user except `exceptId`; returns how many ended. */
    revokeAll(userId: string, exceptId: string | null, now: Millis): Promise<number>;
    /** Deletes sessions (and their refresh tokens) that ended before `before`. */
    purgeEnded(before: Millis): Promise<number>;
  };
  refreshTokens: {
    /** Records a token by its SHA-256 (never the token itself). */
    insert(t: RefreshTokenRow): Promise<void>;
    byHash(tokenHash: string): Promise<RefreshTokenRow | undefined>;
  };
  throttle: {
    /**
     * Counts one hit on `key` in a fixed window, in one atomic upsert (no
     * read-modify-write): a window older than `windowMs` starts again at 1.
     */
    hit(key: string, now: Millis, windowMs: number): Promise<ThrottleState>;
    /** Takes one hit back (a request that turned out to be legitimate). */
    release(key: string): Promise<void>;
    /** Forgets a key. */
    reset(key: string): Promise<void>;
  };
  signingKeys: {
    /** All keys, oldest first. */
    list(): Promise<SigningKeyRow[]>;
    /** Throws `UniqueViolation` on a duplicate kid or a second `active` key. */
    insert(k: SigningKeyRow): Promise<void>;
    /**
     * In one transaction: the current active key (if any) becomes retired with
     * `retired_at = now` and `publish_until = retiredPublishUntil`; `kid` becomes active
     * with `activated_at = now`. Throws `NotFound` if `kid` is unknown.
     */
    activate(kid: string, now: Millis, retiredPublishUntil: Millis): Promise<void>;
    /** Deletes retired keys whose `publish_until < now`; returns their kids. */
    prune(now: Millis): Promise<string[]>;
  };
  vaultKeys: {
    /** Every data key, oldest first. */
    list(): Promise<VaultKeyRow[]>;
    /**
     * In one transaction: the active key (if any) is retired and `key` inserted as active
     * with version = highest + 1 (or 1). Throws `UniqueViolation` when another process
     * rotated at the same moment. Returns the new row.
     */
    rotate(wrap: (version: number) => string, now: Millis): Promise<VaultKeyRow>;
  };
  vault: {
    /**
     * Inserts the rows that do not collide with an existing token or lookup, in one
     * statement; returns the tokens that were inserted (the others are left to the caller).
     */
    insertMany(rows: readonly VaultTokenRow[]): Promise<Set<string>>;
    byToken(token: string): Promise<VaultTokenRow | undefined>;
    byTokens(tokens: readonly string[]): Promise<VaultTokenRow[]>;
    byLookups(lookups: readonly string[]): Promise<VaultTokenRow[]>;
    list(query: VaultListQuery): Promise<VaultTokenRow[]>;
    /** Deletes the row (and with it the ciphertext); `true` if it existed. */
    delete(token: string): Promise<boolean>;
    /** Deletes rows whose `expires_at <= before`; returns how many. */
    purgeExpired(before: Millis): Promise<number>;
    /** Up to `limit` rows whose key is not `version`, in token order after `after`. */
    notOnKey(version: number, after: string | undefined, limit: number): Promise<VaultTokenRow[]>;
    /**
     * Re-encrypts one row under a new key, only if it is still on `fromVersion` with the
     * same ciphertext (a concurrent delete or rotation wins); `true` if updated.
     */
    rekey(
      token: string,
      fromVersion: number,
      toVersion: number,
      ciphertext: string,
    ): Promise<boolean>;
    /** How many rows each data key encrypts. */
    countByKey(): Promise<Array<{ version: number; count: number }>>;
  };
  clients: {
    /** Throws `UniqueViolation` on a duplicate id. */
    create(c: ServiceClientRow): Promise<void>;
    byId(id: string): Promise<ServiceClientRow | undefined>;
  };
  audit: {
    /**
     * Appends one row, serialized against every other append (PostgreSQL: a transaction
     * advisory lock; SQLite: `BEGIN IMMEDIATE`): `build` receives the current tail and
     * returns the row to insert, so `prev_hash` always names the row before it.
     */
    append(build: (tail: AuditRow | undefined) => AuditRow): Promise<AuditRow>;
    /** Newest first. */
    list(query: AuditQuery): Promise<AuditRow[]>;
    /** Oldest first, rows with `seq > afterSeq`. */
    scan(afterSeq: number, limit: number): Promise<AuditRow[]>;
  };
  meta: {
    get(key: string): Promise<string | undefined>;
    /** Atomic insert-if-absent: racing callers all get the one stored value. */
    setIfAbsent(key: string, value: string): Promise<string>;
  };
  /**
   * Runs `fn` in a transaction; the `Store` passed to `fn` uses it. Commits when `fn`
   * resolves, rolls back when it throws. Nested calls use a savepoint.
   *
   * Inside `fn`, use only `tx`: SQLite has one connection, which the transaction holds,
   * so a query on the outer store would wait for the transaction that waits for it.
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
}

export interface StoreOptions {
  /** `postgres://` or `postgresql://` selects PostgreSQL; unset or empty selects SQLite. */
  databaseUrl?: string | undefined;
  /** Holds `tessera.db` when SQLite is used; created if missing. */
  dataDir: string;
}
