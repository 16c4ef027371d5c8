import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp } from '../../server/test/helpers/app.js';
import { testDatabases } from '../../server/test/helpers/databases.js';

export interface RunningTestServer extends TestApp {
  url: string;
  /** The server's frozen clock (epoch ms); give it to the client as `now` to share time. */
  now(): number;
}

/** The real server in-process over a real socket, on SQLite and a frozen clock. */
export async function startTestServer(
  env: Record<string, string> = {},
): Promise<RunningTestServer> {
  const sqlite = testDatabases.find((d) => d.name === 'sqlite')!;
  const t = await createTestApp(sqlite, { LOG_LEVEL: 'warn', ...env });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  return { ...t, url: `http://127.0.0.1:${port}`, now: () => t.ctx.now() };
}

/** A `fetch` that records `METHOD /path` of every call, to count refreshes. */
export function recordingFetch(): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    fetch: (input, init) => {
      const req = new Request(input, init);
      calls.push(`${req.method} ${new URL(req.url).pathname}`);
      return globalThis.fetch(req);
    },
  };
}
