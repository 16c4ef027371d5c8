/**
 * Fetching a small JSON document (a discovery document, a JWKS) from a configured URL, with a
 * timeout and a size cap. Never called with a URL that came from a token.
 *
 * @module
 */
import { JwksInvalid, JwksUnavailable } from '../errors.js';

/**
 * The subset of the WHATWG `fetch` that the verifier uses; `globalThis.fetch` fits, and so does a
 * test double.
 *
 * @example
 * ```ts
 * const counting: FetchLike = (url, init) => { calls++; return fetch(url, init); };
 * ```
 */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/**
 * Limits on one fetch.
 *
 * @example
 * ```ts
 * const limits: FetchLimits = { timeoutMs: 5000, maxBytes: 262_144 };
 * ```
 */
export interface FetchLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

/**
 * GETs `url` and parses its body as JSON. Throws {@link JwksUnavailable} on a network error, a
 * timeout (covering the body too), a status other than 200 (redirects are not followed) or a body
 * over `maxBytes`; {@link JwksInvalid} when the body is not JSON. Messages name the URL (it is
 * configuration, not a secret) but never echo the body.
 *
 * @example
 * ```ts
 * const doc = await fetchJson('https://auth.example/.well-known/jwks.json', fetch, limits);
 * ```
 */
export async function fetchJson(
  url: string,
  fetchImpl: FetchLike,
  limits: FetchLimits,
): Promise<unknown> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  // A fetch implementation that ignores the signal still cannot hang us: the race settles.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new JwksUnavailable(`timed out fetching ${url}`));
    }, limits.timeoutMs);
  });
  try {
    return await Promise.race([read(url, fetchImpl, limits, controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function read(
  url: string,
  fetchImpl: FetchLike,
  limits: FetchLimits,
  signal: AbortSignal,
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      // A redirect could point anywhere; the configured URL is the only one we trust.
      redirect: 'manual',
      signal,
    });
  } catch (cause) {
    throw new JwksUnavailable(`could not fetch ${url}`, { cause });
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {});
    throw new JwksUnavailable(`fetching ${url} answered ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > limits.maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new JwksUnavailable(`${url} is larger than ${limits.maxBytes} bytes`);
  }
  const bytes = await readCapped(url, response, limits.maxBytes);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new JwksInvalid(`${url} did not return JSON`, { cause });
  }
}

/** Reads the body, stopping as soon as it passes the cap (Content-Length may lie or be absent). */
async function readCapped(url: string, response: Response, maxBytes: number): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw new JwksUnavailable(`${url} is larger than ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (cause) {
    if (cause instanceof JwksUnavailable) throw cause;
    throw new JwksUnavailable(`could not read ${url}`, { cause });
  }
  return Buffer.concat(chunks, total);
}
