import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type TestServer } from './helpers.js';

/** The page's headers over a real socket (no browser needed). */
describe('the web page as served by `tessera serve`', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await serve();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('serves index.html at / with its own CSP, no referrer, no framing', async () => {
    const res = await fetch(`${server.origin.replace('localhost', '127.0.0.1')}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    // Everything bundled from this origin: no CDN, no inline script.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc="\/assets\/)/);
    expect(html).not.toMatch(/https?:\/\//);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const js = await fetch(`${server.origin.replace('localhost', '127.0.0.1')}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
  });

  it('leaves the API its own policy, and unknown paths a JSON 404', async () => {
    const base = server.origin.replace('localhost', '127.0.0.1');
    const api = await fetch(`${base}/v1/me`);
    expect(api.status).toBe(401);
    expect(api.headers.get('content-security-policy')).toContain("default-src 'none'");
    const missing = await fetch(`${base}/no-such-page`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
  });
});
