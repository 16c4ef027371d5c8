import { afterEach, describe, expect, it } from 'vitest';
import { localStorageStore, memoryStore, type StoredTokens } from '../src/index.js';

const tokens: StoredTokens = { accessToken: 'a', expiresAt: 1, expiresIn: 900, sessionId: 's' };

describe('token stores', () => {
  afterEach(() => {
    delete (globalThis as { localStorage?: unknown }).localStorage;
  });

  it('memoryStore keeps tokens in this heap only', () => {
    const store = memoryStore();
    expect(store.get()).toBeNull();
    store.set(tokens);
    expect(store.get()).toEqual(tokens);
    store.set(null);
    expect(store.get()).toBeNull();
  });

  it('localStorageStore is opt-in persistence under one key, cleared on null', () => {
    const data = new Map<string, string>();
    (globalThis as { localStorage?: unknown }).localStorage = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => data.set(k, v),
      removeItem: (k: string) => data.delete(k),
    };
    const store = localStorageStore('app.tokens');
    store.set(tokens);
    expect(JSON.parse(data.get('app.tokens')!)).toEqual(tokens);
    expect(store.get()).toEqual(tokens);
    data.set('app.tokens', '{not json');
    expect(store.get()).toBeNull();
    store.set(null);
    expect(data.has('app.tokens')).toBe(false);
  });
});
