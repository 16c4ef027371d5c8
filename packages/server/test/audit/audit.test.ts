import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register } from '../../src/accounts/service.js';
import { appendAudit, verifyChain } from '../../src/audit/chain.js';
import { recordAudit } from '../../src/audit/record.js';
import { bearer, createTestApp, signUp, type TestApp } from '../helpers/app.js';
import { testDatabases } from '../helpers/databases.js';

describe.each(testDatabases)('audit log on $name', (db) => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let user: Awaited<ReturnType<typeof signUp>>;
  beforeAll(async () => {
    t = await createTestApp(db);
    await register(t.ctx, { email: 'root@example.com', password: 'admin password', admin: true });
    const login = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'root@example.com', password: 'admin password' },
    });
    admin = { ...login.json(), email: 'root@example.com', password: '' };
    user = await signUp(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('records tokenize, detokenize (with reason) and delete, without values', async () => {
    const made = await t.app.inject({
      method: 'POST',
      url: '/v1/vault/tokens',
      payload: { value: '378282246310005', type: 'card' },
      headers: bearer(user.access_token),
    });
    const tok = made.json().token as string;
    await t.app.inject({
      method: 'POST',
      url: '/v1/vault/detokenize',
      payload: { tokens: [tok], reason: 'support ticket 12' },
      headers: bearer(user.access_token),
    });
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/vault/tokens/${tok}`,
      headers: bearer(user.access_token),
    });
    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/audit?actor=${user.user.id}`,
      headers: bearer(admin.access_token),
    });
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items.filter((i: { action: string }) => i.action.startsWith('vault.'));
    expect(items.map((i: { action: string }) => i.action)).toEqual([
      'vault.delete',
      'vault.detokenize',
      'vault.tokenize',
    ]);
    const detok = items[1];
    expect(detok).toMatchObject({
      target: tok,
      details: { reason: 'support ticket 12', count: 1 },
    });
    expect(res.body).not.toContain('378282246310005');
  });

  it('is for admins only', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/audit',
      headers: bearer(user.access_token),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('insufficient_scope');
  });

  it('filters by action and pages with a cursor, newest first', async () => {
    for (let i = 0; i < 5; i++) await recordAudit(t.ctx, { action: 'test.paging', details: { i } });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/audit?action=test.paging&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.app.inject({ method: 'GET', url, headers: bearer(admin.access_token) });
      const body = res.json() as {
        items: Array<{ details: { i: number } }>;
        next_cursor: string | null;
      };
      seen.push(...body.items.map((i) => i.details.i));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([4, 3, 2, 1, 0]);
  });

  it('chains every row to the previous one, even under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        appendAudit(t.ctx.store, t.ctx.masterKey, Date.now(), {
          action: 'test.concurrent',
          details: { i },
        }),
      ),
    );
    const report = await verifyChain(t.ctx.store, t.ctx.masterKey);
    expect(report.ok).toBe(true);
    expect(report.rows).toBeGreaterThanOrEqual(45);
  });

  it('finds the first broken link after a row is altered', async () => {
    const target = 3;
    const sql = 'update audit_log set details = \'{"tampered":true}\' where seq = 3';
    if (t.ctx.store.dialect === 'sqlite') {
      const raw = new BetterSqlite3(join(t.ctx.config.dataDir, 'tessera.db'));
      raw.exec(sql);
      raw.close();
    } else {
      const client = new pg.Client({ connectionString: t.ctx.config.databaseUrl });
      await client.connect();
      await client.query(sql);
      await client.end();
    }
    const report = await verifyChain(t.ctx.store, t.ctx.masterKey);
    expect(report.ok).toBe(false);
    expect(report.broken?.seq).toBe(target);
  });
});
