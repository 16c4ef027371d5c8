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
