import {
  errorFromResponse,
  SessionEndedError,
  type SessionEndReason,
  TesseraError,
} from './errors.js';
import { type SessionsApi, sessionsApi, type VaultApi, vaultApi } from './resources.js';
import { memoryStore, type StoredTokens, type TokenStore } from './store.js';
import { type TabMessage, TabSync } from './tabs.js';
import type { LoginInput, RegisterInput, TokenResponse, UpdateMeInput, User } from './types.js';

export interface ClientOptions {
  /** The Tessera server, e.g. `https://auth.example.com`. Defaults to the page's origin in a browser. */
  baseUrl?: string;
  /**
   * Where the refresh token lives. `cookie` (browser default): an HttpOnly cookie page
   * script can never read. `body` (Node default): in the `store`.
   */
  transport?: 'cookie' | 'body';
  /** Token storage; memory by default. See `localStorageStore` for the risk of persisting. */
  store?: TokenStore;
  /** Other origins `client.fetch` may send the access token to (your own APIs). */
  apiOrigins?: string[];
  /** Refresh this long before the access token expires (capped at a fifth of its lifetime). */
  refreshMarginSeconds?: number;
  /** Coordinate refreshes across browser tabs (default: on in browsers, off in Node). */
  tabSync?: boolean;
  /** The `fetch` to use (default `globalThis.fetch`). */
  fetch?: typeof fetch;
  /** The clock, epoch milliseconds (tests). */
  now?: () => number;
}

export interface SessionEndedEvent {
  reason: SessionEndReason;
}

interface Events {
  /** The session ended: tokens are cleared; show the sign-in page with the reason. */
  'session-ended': SessionEndedEvent;
  /** A session began here or in another tab (login, restore, hand-off). */
  'signed-in': { user: User | null };
  /** This client refreshed its tokens over the network (not counting hand-offs). */
  refresh: { sessionId: string };
}

type Listener<T> = (event: T) => void;

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };
/** How many refresh tokens this client has spent, remembered to recognise a replay. */
const SPENT_MEMORY = 8;

/**
 * Creates a Tessera client. In a browser the defaults keep the access token in
 * memory and the refresh token in the server's HttpOnly cookie.
 *
 * @example
 * const tessera = createClient();             // browser, same origin
 * tessera.on('session-ended', ({ reason }) => showLogin(reason));
 * const user = (await tessera.restore()) ?? (await tessera.login({ email, password }));
 * const res = await tessera.fetch('/v1/me');  // Bearer attached, refreshed when due
 */
export function createClient(options: ClientOptions = {}): TesseraClient {
  return new TesseraClient(options);
}

/** See `createClient`. One instance per user session and page (or process). */
export class TesseraClient {
  readonly baseUrl: string;
  readonly transport: 'cookie' | 'body';
  /** `sessions.list/revoke/revokeOthers` */
  readonly sessions: SessionsApi;
  /** `vault.tokenize/batch/list/get/detokenize/delete` */
  readonly vault: VaultApi;

  readonly #store: TokenStore;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #marginMs: number;
  readonly #origins: Set<string>;
  readonly #tabs: TabSync | undefined;
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  #inflight: Promise<StoredTokens> | null = null;
  #user: User | null = null;
  #sessionExpiresAt: number | undefined;
  readonly #spent: string[] = [];

  constructor(options: ClientOptions = {}) {
    const inBrowser = typeof document !== 'undefined';
    const base = options.baseUrl ?? (globalThis as { location?: Location }).location?.origin;
    if (!base) throw new TypeError('createClient: baseUrl is required outside a browser page');
    this.baseUrl = new URL(base).origin;
    this.transport = options.transport ?? (inBrowser ? 'cookie' : 'body');
    this.#store = options.store ?? memoryStore();
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#now = options.now ?? Date.now;
    this.#marginMs = (options.refreshMarginSeconds ?? 30) * 1000;
    this.#origins = new Set([
      this.baseUrl,
      ...(options.apiOrigins ?? []).map((o) => new URL(o).origin),
    ]);
    if (options.tabSync ?? inBrowser) {
      this.#tabs = new TabSync(`tessera:${this.baseUrl}`, (m) => void this.#onTabMessage(m));
    }
    this.sessions = sessionsApi((path, init) => this.#call(path, init));
    this.vault = vaultApi((path, init) => this.#call(path, init));
  }

  /** The signed-in user as last seen (login, restore, `me`, `updateMe`), or null. */
  get user(): User | null {
    return this.#user;
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const set = this.#listeners.get(event) ?? new Set();
    this.#listeners.set(event, set);
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Whether this client holds a session's access token. */
  async isSignedIn(): Promise<boolean> {
    return (await this.#store.get()) !== null;
  }

  /** `POST /v1/auth/register`; does not sign in. */
  async register(input: RegisterInput): Promise<User> {
    const res = await this.#public('/v1/auth/register', input);
    return ((await res.json()) as { user: User }).user;
  }

  /** `POST /v1/auth/login` with this client's transport; keeps the tokens. */
  async login(input: LoginInput): Promise<User> {
    const res = await this.#public('/v1/auth/login', { ...input, transport: this.transport });
    const body = (await res.json()) as TokenResponse;
    await this.#adopt(body);
    this.#emit('signed-in', { user: body.user });
    void this.#learnSessionExpiry();
    return body.user;
  }

  /**
   * Resumes a session without a password: through the refresh cookie after a
   * page reload, or the stored refresh token in Node. Resolves null when there is none.
   */
  async restore(): Promise<User | null> {
    const held = await this.#store.get();
    if (this.transport === 'body' && !held?.refreshToken) return null;
    try {
      // A held token still fresh is checked with `me` (which refreshes if the server says so).
      if (held && !this.#due(held)) await this.me();
      else await this.#refresh();
      // Another tab's hand-off carries tokens, not the user.
      if (this.#user === null) await this.me();
    } catch (err) {
      if (err instanceof TesseraError && err.error === 'invalid_grant') return null;
      throw err;
    }
    void this.#learnSessionExpiry();
    this.#emit('signed-in', { user: this.#user });
    return this.#user;
  }

  /** Ends the session on the server (and the cookie), clears the tokens, tells other tabs. */
  async logout(): Promise<void> {
    const held = await this.#store.get();
    try {
      const headers: Record<string, string> = { ...JSON_HEADERS };
      if (held) headers.authorization = `Bearer ${held.accessToken}`;
      await this.#fetch(this.#url('/v1/auth/logout'), {
        method: 'POST',
        headers,
        body: '{}',
        credentials: this.transport === 'cookie' ? 'include' : 'same-origin',
      });
    } catch {
      // Offline: the tokens are forgotten here anyway; the server session expires on its own.
    } finally {
      await this.#end('logout', held !== null);
    }
  }

  /** `GET /v1/me` */
  async me(): Promise<User> {
    this.#user = (await this.#call('/v1/me', { method: 'GET' })) as User;
    return this.#user;
  }

  /** `PATCH /v1/me`: name, phone (stored in the vault), avatar URL; null clears a field. */
  async updateMe(patch: UpdateMeInput): Promise<User> {
    this.#user = (await this.#call('/v1/me', { method: 'PATCH', body: patch })) as User;
    return this.#user;
  }

  /**
   * `fetch` for your API calls: attaches `Authorization: Bearer`, refreshes first
   * when the token is about to expire, and on a 401 refreshes once and retries.
   * Only the server's origin and `apiOrigins` ever receive the token.
   *
   * @example
   * const res = await tessera.fetch('https://api.example.com/orders', { method: 'POST', body });
   */
  async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(typeof input === 'string' ? this.#url(input) : input, init);
    if (!this.#origins.has(new URL(request.url).origin)) {
      throw new TypeError(
        `tessera.fetch: ${new URL(request.url).origin} is not an allowed API origin`,
      );
    }
    let tokens = await this.#store.get();
    if (!tokens) throw new TesseraError('invalid_token', 'Not signed in.', 401);
    if (this.#due(tokens)) tokens = await this.#refresh(tokens.accessToken);
    const first = await this.#send(request.clone(), tokens.accessToken);
    if (first.status !== 401) return first;
    // Expired early (clock skew, a revoked key) or the session ended: one refresh decides.
    const fresh = await this.#refresh(tokens.accessToken);
    return this.#send(request, fresh.accessToken);
  }

  /** Stops listening to other tabs. */
  close(): void {
    this.#tabs?.close();
  }

  // ---- internals ----

  #url(path: string): string {
    return new URL(path, this.baseUrl).toString();
  }

  #send(request: Request, accessToken: string): Promise<Response> {
    request.headers.set('authorization', `Bearer ${accessToken}`);
    return this.#network(() => this.#fetch(request));
  }

  async #network(run: () => Promise<Response>): Promise<Response> {
    try {
      return await run();
    } catch (cause) {
      throw new TesseraError('network_error', 'The server could not be reached.', 0, { cause });
    }
  }

  /** An unauthenticated JSON POST to an auth route. */
  async #public(path: string, body: unknown): Promise<Response> {
    const res = await this.#network(() =>
      this.#fetch(this.#url(path), {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify(body),
        credentials: this.transport === 'cookie' ? 'include' : 'same-origin',
      }),
    );
    if (!res.ok) throw await errorFromResponse(res);
    return res;
  }

  /** An authenticated JSON call through `fetch`; throws the typed error on failure. */
  async #call(path: string, init: { method: string; body?: unknown }): Promise<unknown> {
    const res = await this.fetch(path, {
      method: init.method,
      headers: init.body === undefined ? { accept: 'application/json' } : JSON_HEADERS,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    if (!res.ok) throw await errorFromResponse(res);
    return res.status === 204 ? undefined : res.json();
  }

  #due(tokens: StoredTokens): boolean {
    const margin = Math.min(this.#marginMs, tokens.expiresIn * 200);
    return this.#now() >= tokens.expiresAt - margin;
  }

  /**
   * One refresh at a time: concurrent callers share the promise in flight, and
   * (with tab sync) tabs take turns under a Web Lock. `stale` is the access token
   * the caller found wanting: if another caller or tab has replaced it meanwhile,
   * that newer token is used and no request is sent.
   */
  #refresh(stale?: string): Promise<StoredTokens> {
    if (this.#inflight) return this.#inflight;
    const run = async () => {
      const held = await this.#store.get();
      if (held && held.accessToken !== stale && !this.#due(held)) return held;
      return this.#refreshNow(held);
    };
    const inflight = (this.#tabs ? this.#tabs.withLock(run) : run()).finally(() => {
      if (this.#inflight === inflight) this.#inflight = null;
    });
    this.#inflight = inflight;
    return inflight;
  }

  async #refreshNow(held: StoredTokens | null): Promise<StoredTokens> {
    const presented = this.transport === 'body' ? held?.refreshToken : undefined;
    if (this.transport === 'body' && presented === undefined) {
      await this.#end('revoked', held !== null);
      throw new SessionEndedError('revoked');
    }
    const res = await this.#network(() =>
      this.#fetch(this.#url('/v1/auth/refresh'), {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify(presented === undefined ? {} : { refresh_token: presented }),
        credentials: this.transport === 'cookie' ? 'include' : 'same-origin',
      }),
    );
    if (!res.ok) {
      const error = await errorFromResponse(res);
      if (error.error !== 'invalid_grant') throw error;
      const reason = this.#reasonFor(presented);
      await this.#end(reason, held !== null);
      throw new SessionEndedError(reason, { cause: error });
    }
    if (presented !== undefined) {
      this.#spent.push(presented);
      if (this.#spent.length > SPENT_MEMORY) this.#spent.shift();
    }
    const tokens = await this.#adopt((await res.json()) as TokenResponse);
    this.#emit('refresh', { sessionId: tokens.sessionId });
    return tokens;
  }

  /**
   * The server answers every failed refresh with one `invalid_grant`; the client
   * tells the cases apart from what it knows: the session's absolute expiry (read
   * from `GET /v1/sessions`), and the refresh tokens it has already spent (presenting
   * one again — a stale shared store, a restored backup — is what reuse detection ends).
   * Anything else is a session ended elsewhere: revoked.
   */
  #reasonFor(presented: string | undefined): SessionEndReason {
    if (this.#sessionExpiresAt !== undefined && this.#now() >= this.#sessionExpiresAt - 1000) {
      return 'expired';
    }
    if (presented !== undefined && this.#spent.includes(presented)) return 'reused';
    return 'revoked';
  }

  async #adopt(body: TokenResponse): Promise<StoredTokens> {
    const tokens: StoredTokens = {
      accessToken: body.access_token,
      expiresAt: this.#now() + body.expires_in * 1000,
      expiresIn: body.expires_in,
      sessionId: body.session_id,
      ...(body.refresh_token === undefined ? {} : { refreshToken: body.refresh_token }),
    };
    await this.#store.set(tokens);
    this.#user = body.user;
    const { refreshToken: _never, ...shared } = tokens;
    this.#tabs?.post({ type: 'tokens', tokens: shared });
    return tokens;
  }

  async #end(reason: SessionEndReason, wasSignedIn: boolean, tell = true): Promise<void> {
    await this.#store.set(null);
    this.#user = null;
    this.#sessionExpiresAt = undefined;
    if (!wasSignedIn) return;
    if (tell) this.#tabs?.post({ type: 'ended', reason });
    this.#emit('session-ended', { reason });
  }

  async #onTabMessage(message: TabMessage): Promise<void> {
    const held = await this.#store.get();
    if (message.type === 'tokens') {
      if (this.transport !== 'cookie') return;
      await this.#store.set({ ...message.tokens });
      if (held === null || held.sessionId !== message.tokens.sessionId) {
        void this.#learnSessionExpiry();
        this.#emit('signed-in', { user: null });
      }
    } else if (held !== null) {
      await this.#end(message.reason, true, false);
    }
  }

  async #learnSessionExpiry(): Promise<void> {
    try {
      const { sessions } = await this.sessions.list();
      const current = sessions.find((s) => s.current);
      if (current) this.#sessionExpiresAt = Date.parse(current.expires_at);
    } catch {
      // Only sharpens the reason given when the session ends; never fatal.
    }
  }

  #emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch {
        // A listener's bug must not break the client.
      }
    }
  }
}
