import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type pg from 'pg';
import { hashPassword, newSecret } from '#app/crypto';

/** Debian's chromium package (installed by .ci/run); playwright-core never downloads a browser. */
export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/** Quiet and offline: no updates, no sync, no QUIC probes, nothing but the page's own requests. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Requests the page made to anywhere but the service. */
  foreignRequests: string[];
  close(): Promise<void>;
}

/** Headless Chromium on a fresh profile, one page, 1440×900. */
export async function openBrowser(origin: string): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1440, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const foreignRequests: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith('data:')) foreignRequests.push(url);
  });
  return {
    context,
    page,
    foreignRequests,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

let accounts = 0;

/** A user who can sign in through the form, straight into the table. */
export async function createAccount(
  db: pg.Pool,
  roles: string[],
  options: { mustChangePassword?: boolean } = {},
): Promise<{ username: string; password: string }> {
  const username = `${roles.join('-')}${++accounts}`;
  const password = `Pw-${newSecret(12)}`;
  await db.query('INSERT INTO users (username, password_hash, roles, must_change_password) VALUES ($1, $2, $3, $4)', [
    username,
    await hashPassword(password),
    roles,
    options.mustChangePassword ?? false,
  ]);
  return { username, password };
}

/** Signs out whoever is signed in, signs in through the page's form and waits for the navigation. */
export async function signIn(page: Page, origin: string, account: { username: string; password: string }) {
  await page.goto(`${origin}/`);
  await page.waitForSelector('#sign-in, #who');
  if (await page.locator('#who button').isVisible()) await page.click('#who button'); // whoever was signed in
  await page.fill('#sign-in input[name=username]', account.username);
  await page.fill('#sign-in input[name=password]', account.password);
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('nav a');
}
