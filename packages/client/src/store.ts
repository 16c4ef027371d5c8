/**
 * Where the client keeps a session's tokens. The default is memory: a reload
 * or restart forgets the access token, and the refresh token lives either in
 * the server's HttpOnly cookie (browsers) or in this store (Node).
 */
export interface StoredTokens {
  accessToken: string;
  /** Epoch milliseconds when the access token expires (by this client's clock). */
  expiresAt: number;
  /** Lifetime the server granted, seconds (decides how early to refresh). */
  expiresIn: number;
  sessionId: string;
  /** Present with the `body` transport only; the cookie transport never exposes it. */
  refreshToken?: string;
}

/**
 * A pluggable token store: memory by default, anything async in Node (a file,
 * a keychain, Redis). Keep it private to one user: it holds bearer secrets.
 */
export interface TokenStore {
  get(): StoredTokens | null | Promise<StoredTokens | null>;
  set(tokens: StoredTokens | null): void | Promise<void>;
}

/**
 * Tokens in this JavaScript heap only: the default everywhere.
 *
 * @example
 * const tessera = createClient({ baseUrl, store: memoryStore() });
 */
export function memoryStore(): TokenStore {
  let current: StoredTokens | null = null;
  return {
    get: () => current,
    set: (tokens) => {
      current = tokens;
    },
  };
}

/**
 * Opt-in persistence in `localStorage`. RISK: any script that runs on the page
 * (an XSS bug, a compromised dependency) can read and exfiltrate what is stored
 * here, and it outlives the tab. Prefer the default (memory + HttpOnly refresh
 * cookie); use this only when the refresh cookie cannot work for you.
 *
 * @example
 * const tessera = createClient({ baseUrl, transport: 'body', store: localStorageStore() });
 */
export function localStorageStore(key = 'tessera.tokens'): TokenStore {
  return {
    get: () => {
      const raw = globalThis.localStorage?.getItem(key);
      if (!raw) return null;
      try {
        return JSON.parse(raw) as StoredTokens;
      } catch {
        return null;
      }
    },
    set: (tokens) => {
      if (tokens === null) globalThis.localStorage?.removeItem(key);
      else globalThis.localStorage?.setItem(key, JSON.stringify(tokens));
    },
  };
}
