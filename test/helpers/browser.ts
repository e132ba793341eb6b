import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll } from 'vitest';
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
  afterAll(() => running.close());
  return running;
}

export async function newPage(b: Browser, baseURL: string): Promise<Page> {
  const context = await b.newContext({ baseURL, viewport: { width: 1280, height: 800 } });
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
