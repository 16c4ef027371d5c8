import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countRefreshes,
  describeBrowser,
  launch,
  screenshot,
  serve,
  signUpAndLogIn,
  type TestServer,
} from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Visits a screen through the nav and waits for its heading (or the log-in page). */
async function visit(page: Page, name: 'Profile' | 'Cards' | 'Sessions'): Promise<string> {
  await page.getByRole('link', { name, exact: true }).click();
  const h1 = page.locator('main h1');
  await page.waitForFunction((expected) => {
    const text = document.querySelector('main h1')?.textContent;
    return text === expected || text === 'Log in';
  }, name);
  return (await h1.textContent()) ?? '';
}

describeBrowser('the web page in Chromium: token and session expiry', { timeout: 90_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe('with a 2-second access token', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await serve({ TESSERA_ACCESS_TTL: '2' });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('keeps working across several access-token refreshes (TESSERA_ACCESS_TTL=2)', async () => {
      const page = await browser.newPage();
      page.setDefaultTimeout(15_000);
      await signUpAndLogIn(page, server.origin);
      const refreshes = countRefreshes(page);
      const screens = ['Cards', 'Sessions', 'Profile', 'Cards'] as const;
      for (const screen of screens) {
        await sleep(2_100); // the access token has expired
        expect(await visit(page, screen)).toBe(screen);
      }
      expect(refreshes.ok).toBeGreaterThanOrEqual(3);
      expect(refreshes.failed).toBe(0);
      await page.close();
    });
  });

  describe('with an 8-second session', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await serve({ TESSERA_ACCESS_TTL: '1', TESSERA_SESSION_TTL: '8' });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('returns to log in and says the session expired (TESSERA_SESSION_TTL=8)', async () => {
      const page = await browser.newPage();
      page.setDefaultTimeout(15_000);
      await signUpAndLogIn(page, server.origin);
      const loggedInAt = Date.now();
      expect(await visit(page, 'Cards')).toBe('Cards');
      await sleep(Math.max(0, loggedInAt + 8_500 - Date.now()));
      expect(await visit(page, 'Sessions')).toBe('Log in');
      await page.getByText('Your session expired. Please log in again.').waitFor();
      await screenshot(page, '07-session-expired');
      await page.close();
    });
  });
});
