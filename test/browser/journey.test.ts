import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeBrowser,
  launch,
  newEmail,
  PASSWORD,
  screenshot,
  serve,
  type TestServer,
} from './helpers.js';

describeBrowser('the web page in Chromium: the main journey', { timeout: 90_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const tokens: string[] = [];

  beforeAll(async () => {
    [server, browser] = await Promise.all([serve(), launch()]);
    context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    // Every access token the server hands the page, to prove none leaks to storage, URL or DOM.
    page.on('response', async (res) => {
      if (!/\/v1\/auth\/(login|refresh)$/.test(res.url()) || !res.ok()) return;
      const body = (await res.json().catch(() => ({}))) as { access_token?: string };
      if (body.access_token) tokens.push(body.access_token);
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const email = newEmail();

  it('serves the page with its own strict headers', async () => {
    const res = await page.goto(`${server.origin}/`);
    expect(res?.status()).toBe(200);
    const headers = res!.headers();
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['referrer-policy']).toBe('no-referrer');
    await page.getByRole('heading', { name: 'Log in', level: 1 }).waitFor();
  });

  it('signs up, gives clear errors (taken email, wrong password), then logs in', async () => {
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Sign up', level: 1 }).waitFor();
    await screenshot(page, '01-sign-up');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Name (optional)').fill('Ada Lovelace');
    await page.getByLabel('Phone (optional)').fill('+91 98765 43210');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Log in', level: 1 }).waitFor();
    await expect(page.getByText('Account created. Log in to continue.').isVisible()).resolves.toBe(
      true,
    );

    // A wrong password: the server's code becomes a sentence.
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').getByText('That email and password do not match').waitFor();
    await screenshot(page, '02-log-in-error');

    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter'); // keyboard submit
    await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
  });

  it('shows the profile with the phone masked, and reveals it', async () => {
    await expect(page.locator('#name-value').textContent()).resolves.toBe('Ada Lovelace');
    const phone = page.locator('#phone-value');
    await expect(phone.textContent()).resolves.toMatch(/^\+91\*+10$/);
    await page.getByRole('button', { name: 'Reveal' }).click();
    await page.locator('#phone-value', { hasText: '+919876543210' }).waitFor();
    await screenshot(page, '03-profile');
    await page.getByRole('button', { name: 'Hide' }).click();
    await expect(phone.textContent()).resolves.toMatch(/\*/);
  });

  it('updates the profile', async () => {
    await page.getByLabel('Name', { exact: true }).fill('Ada King');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Profile saved.').waitFor();
    await expect(page.locator('#name-value').textContent()).resolves.toBe('Ada King');
  });

  it('keeps the session across a reload (through the HttpOnly cookie)', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
    await expect(page.locator('#name-value').textContent()).resolves.toBe('Ada King');
  });

  it('adds a card, shows its token and mask, reveals and deletes it', async () => {
    await page.getByRole('link', { name: 'Cards' }).click();
    await page.getByRole('heading', { name: 'Cards', level: 1 }).waitFor();
    await page.getByLabel('Card number').fill('4242 4242 4242 1234');
    await page.getByRole('button', { name: 'Add card' }).click();
    await page.getByRole('alert').getByText('not a valid card number').waitFor(); // Luhn fails
    await page.getByLabel('Card number').fill('4111 1111 1111 1111');
    await page.getByLabel('Label (optional)').fill('Visa');
    await page.getByRole('button', { name: 'Add card' }).click();
    const token = (await page.locator('.new-token').textContent()) ?? '';
    expect(token).toMatch(/^\d{12}1111$/);
    expect(token).not.toBe('4111111111111111');
    const item = page.locator(`li[data-token="${token}"]`);
    await expect(item.textContent()).resolves.toContain('************1111');
    await item.getByRole('button', { name: /^Reveal/ }).click();
    await item.getByText('4111 1111 1111 1111').waitFor();
    await screenshot(page, '04-cards');
    await item.getByRole('button', { name: /^Hide/ }).click();

    // A second card, then delete it; the list survives a reload.
    await page.getByLabel('Card number').fill('5555555555554444');
    await page.getByRole('button', { name: 'Add card' }).click();
    const second = (await page.locator('.new-token').textContent()) ?? '';
    await page
      .locator(`li[data-token="${second}"]`)
      .getByRole('button', { name: /^Delete/ })
      .click();
    await page.getByText('Card deleted.').waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Cards', level: 1 }).waitFor();
    await expect(page.locator('li[data-token]').count()).resolves.toBe(1);
  });

  it('lists sessions with this device marked; ends another one', async () => {
    // Another device logs in.
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await otherPage.goto(`${server.origin}/#/login`);
    await otherPage.getByLabel('Email').fill(email);
    await otherPage.getByLabel('Password').fill(PASSWORD);
    await otherPage.getByRole('button', { name: 'Log in' }).click();
    await otherPage.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();

    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    await expect(page.locator('li.item').count()).resolves.toBe(2);
    await expect(page.locator('li.current').getByText('This device').isVisible()).resolves.toBe(
      true,
    );
    await screenshot(page, '05-sessions');
    await page
      .locator('li.item:not(.current)')
      .getByRole('button', { name: /^End session/ })
      .click();
    await page.getByText('Session ended.').waitFor();
    await expect(page.locator('li.item').count()).resolves.toBe(1);

    // The other device finds out on its next action.
    await otherPage.getByRole('link', { name: 'Cards' }).click();
    await otherPage.getByRole('heading', { name: 'Log in', level: 1 }).waitFor();
    await otherPage.getByText('this session was ended').waitFor();
    await other.close();
  });

  it('never exposes a token to page script, storage, the URL or the DOM', async () => {
    const cookies = await context.cookies();
    const refresh = cookies.find((c) => c.name === 'tessera_refresh');
    expect(refresh).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/v1/auth' });
    const seen = await page.evaluate(() => ({
      cookie: document.cookie,
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
      url: location.href,
      html: document.documentElement.outerHTML,
    }));
    expect(seen.cookie).not.toContain('tessera_refresh');
    expect(tokens.length).toBeGreaterThan(0);
    for (const secret of [...tokens, refresh!.value]) {
      for (const place of Object.values(seen)) expect(place).not.toContain(secret);
    }
  });

  it('signs out; a protected page then sends you to log in', async () => {
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.getByRole('heading', { name: 'Log in', level: 1 }).waitFor();
    await page.getByText('You are signed out.').waitFor();
    expect((await context.cookies()).find((c) => c.name === 'tessera_refresh')).toBeUndefined();
    // Within the page, and on a fresh load of a protected address.
    await page.goto(`${server.origin}/#/cards`);
    await page.getByText('Please log in to continue.').waitFor();
    await page.goto('about:blank');
    await page.goto(`${server.origin}/#/sessions`);
    await page.getByRole('heading', { name: 'Log in', level: 1 }).waitFor();
    await page.getByText('Please log in to continue.').waitFor();
    expect(page.url()).toMatch(/#\/login$/);
  });

  it('works at phone width and by keyboard alone', async () => {
    const phone = await browser.newContext({
      viewport: { width: 375, height: 740 },
      isMobile: true,
    });
    phone.setDefaultTimeout(15_000);
    const p = await phone.newPage();
    await p.goto(`${server.origin}/#/login`);
    await p.getByRole('heading', { name: 'Log in', level: 1 }).waitFor();
    // Tab into the form and log in without the mouse.
    await p.keyboard.press('Tab');
    await p.keyboard.press('Tab');
    const focused = await p.evaluate(() => document.activeElement?.getAttribute('name'));
    expect(['email', 'password']).toContain(focused);
    await p.getByLabel('Email').focus();
    await p.keyboard.type(email);
    await p.keyboard.press('Tab');
    await p.keyboard.type(PASSWORD);
    await p.keyboard.press('Enter');
    await p.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
    // Nothing overflows sideways at 375 px.
    const overflow = await p.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    // The focus ring is visible on a keyboard-focused control.
    await p.keyboard.press('Tab');
    const outline = await p.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).toBe('solid');
    await screenshot(p, '06-profile-phone');
    await phone.close();
  });
});
