import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { describe } from 'vitest';
import { startServe } from '../../packages/server/test/helpers/cli.js';

export const CHROMIUM = process.env.TESSERA_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = join(import.meta.dirname, '../../artifacts/browser');
export const PASSWORD = 'correct horse battery';

/**
 * The browser suite needs Debian's `chromium`. In CI it is required: a missing
 * browser fails the run (`.ci/run` installs it). Elsewhere the suite is skipped
 * with a warning.
 */
export const describeBrowser: typeof describe = (() => {
  if (existsSync(CHROMIUM)) return describe;
  if (process.env.CI) {
    throw new Error(
      `${CHROMIUM} is missing: the browser suite is required in CI (apt-get install chromium)`,
    );
  }
  console.warn(`⚠ ${CHROMIUM} not found: browser tests skipped (apt-get install chromium)`);
  return describe.skip as typeof describe;
})();

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface TestServer {
  /** The origin the browser uses: the issuer and the one allowed origin. */
  origin: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * `tessera serve` on PORT=0 in a child process, on a fresh SQLite directory.
 * The page is browsed at http://localhost:PORT: with PORT=0 the default issuer
 * and TESSERA_ALLOWED_ORIGINS resolve to exactly that origin once the port is known.
 */
export async function serve(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tessera-browser-'));
  const { child, url, output } = await startServe({
    TESSERA_DATA_DIR: dataDir,
    TESSERA_MASTER_KEY: randomBytes(32).toString('base64url'),
    TESSERA_AUTH_RATE_LIMIT: '100000',
    LOG_LEVEL: 'warn',
    ...env,
  });
  const origin = `http://localhost:${new URL(url).port}`;
  return {
    origin,
    output,
    async stop() {
      await kill(child);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export const newEmail = () => `web-${randomBytes(4).toString('hex')}@example.com`;

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Signs up and logs in through the page; resolves on the profile screen. */
export async function signUpAndLogIn(
  page: Page,
  origin: string,
  email = newEmail(),
): Promise<string> {
  await page.goto(`${origin}/#/signup`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Log in', level: 1 }).waitFor();
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Profile', level: 1 }).waitFor();
  return email;
}

/** Counts the page's refresh calls (and their statuses). */
export function countRefreshes(page: Page): { ok: number; failed: number } {
  const counts = { ok: 0, failed: 0 };
  page.on('response', (res) => {
    if (new URL(res.url()).pathname !== '/v1/auth/refresh') return;
    if (res.ok()) counts.ok++;
    else counts.failed++;
  });
  return counts;
}
