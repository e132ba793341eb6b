import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { teardown } from './teardown.js';
import { buildWeb } from '../../web/build.js';

export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/**
 * Builds the dashboard when its sources changed, then starts Debian's chromium headless (no download)
 * and closes it after the test file. One browser per file; each test opens its own context.
 */
export async function browser(): Promise<Browser> {
  await buildWeb();
  const running = await chromium.launch({
    executablePath: process.env.PILOTHUB_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  teardown(() => running.close());
  return running;
}

/**
 * Waits and actions up to 45 s instead of Playwright's 30: a report issued while CI runs another file beside it
 * (influxd, Chromium printing, two Node processes on two cores) took 34 s once. The test's own 60 s still bounds it.
 */
export function patient(context: BrowserContext): BrowserContext {
  context.setDefaultTimeout(45_000);
  return context;
}

export async function newPage(b: Browser, baseURL: string): Promise<Page> {
  // A fixed zone and locale, so the times a test types and reads mean the same on every machine.
  const context = await b.newContext({ baseURL, viewport: { width: 1280, height: 800 }, timezoneId: 'UTC', locale: 'en-US' });
  patient(context);
  const page = await context.newPage();
  return page;
}

/** Saves a screenshot under test-artifacts/ (git-ignored) for people and the README to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Logs in through the login form and waits for the board. */
export async function login(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/#/login');
  await page.waitForSelector('#login-form');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('.board, .error-box');
}
