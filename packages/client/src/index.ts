/**
 * `@tessera/client`: the Tessera SDK for browsers and Node 20+.
 *
 * @example
 * import { createClient } from '@tessera/client';
 * const tessera = createClient({ baseUrl: 'https://auth.example.com' });
 * await tessera.login({ email, password });
 * const me = await tessera.me();
 */
export {
  type ClientOptions,
  createClient,
  type SessionEndedEvent,
  TesseraClient,
} from './client.js';
export { SessionEndedError, type SessionEndReason, TesseraError } from './errors.js';
export type { SessionsApi, VaultApi } from './resources.js';
export {
  localStorageStore,
  memoryStore,
  type StoredTokens,
  type TokenStore,
} from './store.js';
export type * from './types.js';
