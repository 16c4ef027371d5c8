import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  countRefreshes,
  describeBrowser,
  launch,
  PASSWORD,
  screenshot,
  serve,
  signUpAndLogIn,
  type TestServer,
} from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function openTab(context: BrowserContext, origin: string, hash = '#/profile'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin}/${hash}`);
  return page;
}

async function heading(page: Page): Promise<string> {
  await page.waitForFunction(() => {
    const text = document.querySelector('main h1')?.textContent;
    return text !== undefined && text !== null;
  });
  return (await page.locator('main h1').textContent()) ?? '';
}

describeBrowser('the web page in Chromium: several tabs', { timeout: 90_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    // No reuse window at all: two tabs refreshing with one cookie without
    // coordinating would trip reuse detection and end the session.
    [server, browser] = await Promise.all([
      serve({ TESSERA_ACCESS_TTL: '2', TESSERA_REFRESH_REUSE_WINDOW: '0' }),
      launch(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('two tabs whose tokens expire together stay signed in (one refresh at a time)', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const a = await context.newPage();
    await signUpAndLogIn(a, server.origin);
    const b = await openTab(context, server.origin);
    await b.getByRole('heading', { name: 'Profile', level: 1 }).waitFor(); // restored via the cookie
    const counts = [countRefreshes(a), countRefreshes(b)];
    for (const screen of ['Cards', 'Sessions', 'Profile']) {
      await sleep(2_100);
      await Promise.all(
        [a, b].map((p) => p.getByRole('link', { name: screen, exact: true }).click()),
      );
      await Promise.all(
        [a, b].map((p) => p.getByRole('heading', { name: screen, level: 1 }).waitFor()),
      );
    }
    const ok = counts.reduce((n, c) => n + c.ok, 0);
    const failed = counts.reduce((n, c) => n + c.failed, 0);
    expect(failed).toBe(0);
    // Each expiry costs one refresh for both tabs, or two in turn; never a reuse.
    expect(ok).toBeGreaterThanOrEqual(3);
    await context.close();
  });

  it('five tabs opened at once all restore the session without tripping reuse detection', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const first = await context.newPage();
    await signUpAndLogIn(first, server.origin);
    const pages = await Promise.all(Array.from({ length: 5 }, () => context.newPage()));
    const counts = pages.map(countRefreshes);
    await Promise.all(pages.map((p) => p.goto(`${server.origin}/#/profile`)));
    await Promise.all(
      pages.map((p) => p.getByRole('heading', { name: 'Profile', level: 1 }).waitFor()),
    );
    expect(counts.reduce((n, c) => n + c.failed, 0)).toBe(0);
    // Tabs take turns under the Web Lock; most pick up the winner's token instead of refreshing.
    const ok = counts.reduce((n, c) => n + c.ok, 0);
    expect(ok).toBeGreaterThanOrEqual(1);
    // The session is still alive for every tab, the first one included.
    await first.getByRole('link', { name: 'Sessions', exact: true }).click();
    await first.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    await context.close();
  });

  it('signing out in one tab signs the other out at once', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const a = await context.newPage();
    await signUpAndLogIn(a, server.origin);
    const b = await openTab(context, server.origin, '#/cards');
    await b.getByRole('heading', { name: 'Cards', level: 1 }).waitFor();
    await a.getByRole('button', { name: 'Sign out' }).click();
    await b.getByRole('heading', { name: 'Log in', level: 1 }).waitFor();
    await b.getByText('You are signed out.').waitFor();
    expect(await heading(a)).toBe('Log in');
    await context.close();
  });

  it('revoking the session from another device signs out both tabs', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const a = await context.newPage();
    const email = await signUpAndLogIn(a, server.origin);
    const b = await openTab(context, server.origin, '#/cards');
    await b.getByRole('heading', { name: 'Cards', level: 1 }).waitFor();

    // Another device signs in and ends every other session.
    const device = await browser.newContext();
    const d = await device.newPage();
    await d.goto(`${server.origin}/#/login`);
    await d.getByLabel('Email').fill(email);
    await d.getByLabel('Password').fill(PASSWORD);
    await d.getByRole('button', { name: 'Log in' }).click();
    await d.getByRole('link', { name: 'Sessions', exact: true }).click();
    await d.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await d.getByText('Signed out of 1 other session.').waitFor();

    // Tab A's next call is refused; the session cannot be refreshed; tab B follows.
    await a.getByRole('link', { name: 'Sessions', exact: true }).click();
    await a.getByText('this session was ended').waitFor();
    await b.getByText('this session was ended').waitFor();
    await screenshot(b, '08-signed-out-elsewhere');
    await device.close();
    await context.close();
  });
});
