/**
 * The shared end-to-end suite of the example APIs: a real Tessera and the example as two
 * processes, the example configured only with TESSERA_ISSUER.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTessera, type Tessera } from '../interop/helpers/tessera.js';

/** Spawns `node <file>` and resolves with the URL it prints. */
function startExample(
  file: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`example did not start:\n${out}`)), 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`example exited with ${code}:\n${out}`));
    });
  });
}

export function exampleSuite(name: string, relativeFile: string): void {
  const file = fileURLToPath(new URL(`../../examples/${relativeFile}`, import.meta.url));

  describe(`${name} with a running Tessera`, () => {
    let tessera: Tessera;
    let example: ChildProcess;
    let api: string;
    let ada: { token: string; sub: string };
    let bob: { token: string; sub: string };
    let admin: { token: string; sub: string };

    beforeAll(async () => {
      tessera = await startTessera('ES256');
      ({ child: example, url: api } = await startExample(file, {
        TESSERA_ISSUER: tessera.issuer,
      }));
      [ada, bob, admin] = await Promise.all([
        tessera.user(),
        tessera.user(),
        tessera.user({ admin: true }),
      ]);
    });
    afterAll(async () => {
      if (example && example.exitCode === null) {
        example.kill('SIGTERM');
        await once(example, 'exit');
      }
      await tessera?.stop();
    });

    const call = (path: string, token?: string, body?: unknown) =>
      fetch(api + path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    it('serves a user their own notes (200, 201)', async () => {
      const created = await call(`/users/${ada.sub}/notes`, ada.token, { text: 'hello' });
      expect(created.status).toBe(201);
      const list = await call(`/users/${ada.sub}/notes`, ada.token);
      expect(list.status).toBe(200);
      const { notes } = (await list.json()) as { notes: Array<{ text: string }> };
      expect(notes.map((n) => n.text)).toEqual(['hello']);
    });

    it("refuses another user's notes (403 forbidden)", async () => {
      const res = await call(`/users/${ada.sub}/notes`, bob.token);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toBe('forbidden');
      const write = await call(`/users/${ada.sub}/notes`, bob.token, { text: 'mine now' });
      expect(write.status).toBe(403);
    });

    it('asks for a token when there is none (401, WWW-Authenticate: Bearer)', async () => {
      const res = await call(`/users/${ada.sub}/notes`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    });

    it('refuses a bad or tampered token (401 invalid_token)', async () => {
      for (const token of ['garbage', `${ada.token.slice(0, -6)}AAAAAA`]) {
        const res = await call(`/users/${ada.sub}/notes`, token);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
        const body = (await res.json()) as { error: string };
        expect(body.error).toBe('invalid_token');
        expect(JSON.stringify(body)).not.toContain(token);
      }
    });

    it('guards the admin route by scope (403 insufficient_scope, then 200)', async () => {
      const refused = await call('/admin/stats', ada.token);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('www-authenticate')).toBe(
        'Bearer error="insufficient_scope", scope="admin"',
      );
      expect(((await refused.json()) as { error: string }).error).toBe('insufficient_scope');
      const allowed = await call('/admin/stats', admin.token);
      expect(allowed.status).toBe(200);
      expect(await allowed.json()).toMatchObject({ users: expect.any(Number) });
    });

    it('leaves public routes open', async () => {
      expect((await call('/healthz')).status).toBe(200);
    });
  });
}
