import type { SessionEndReason } from './errors.js';
import type { StoredTokens } from './store.js';

/** What tabs of one origin tell each other (never a refresh token: it lives in the cookie). */
export type TabMessage =
  | { type: 'tokens'; tokens: Omit<StoredTokens, 'refreshToken'> }
  | { type: 'ended'; reason: SessionEndReason };

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/**
 * Coordination between browser tabs sharing one refresh cookie: a Web Lock makes
 * their refreshes take turns, and a BroadcastChannel hands the winner's access
 * token to the others, so N tabs whose tokens expire together send one refresh,
 * not N (which would rotate the cookie N times and, outside the server's reuse
 * window, look like theft). Where Web Locks are missing, the hand-off alone
 * still spares most refreshes and the server's reuse window covers the rest.
 */
export class TabSync {
  readonly #name: string;
  readonly #locks: LockManagerLike | undefined;
  readonly #channel: BroadcastChannel | undefined;

  constructor(name: string, onMessage: (message: TabMessage) => void) {
    this.#name = name;
    const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
    this.#locks = nav?.locks;
    if (typeof BroadcastChannel === 'function') {
      this.#channel = new BroadcastChannel(name);
      this.#channel.onmessage = (event: MessageEvent<TabMessage>) => onMessage(event.data);
    }
  }

  /** Runs `fn` while holding the origin-wide refresh lock (or directly without Web Locks). */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.#locks ? this.#locks.request(`${this.#name}:refresh`, fn) : fn();
  }

  post(message: TabMessage): void {
    this.#channel?.postMessage(message);
  }

  close(): void {
    this.#channel?.close();
  }
}
