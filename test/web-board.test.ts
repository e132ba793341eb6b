import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, newPage, screenshot } from './helpers/browser.js';
import { TEST_ADMIN } from './helpers/servers.js';
import { dryerRegistered, fullStack } from './helpers/stack.js';
import { writeDryerHistory } from './web-history-fixture.js';

type Stack = Awaited<ReturnType<typeof fullStack>>;

/** Login, the live equipment board and the equipment page, in Debian's chromium against the real hub. */
describe('web dashboard: login, board, equipment page', () => {
  let stack: Stack;
  let chrome: Browser;
  let page: Page;

  beforeAll(async () => {
    [stack, chrome] = await Promise.all([fullStack(), browser()]);
    // The dryer's run condition makes its status follow the simulator's running coil.
    await dryerRegistered(stack.api);
    const patch = await stack.api.fetch('/api/v1/equipment/dryer-1', {
      method: 'PATCH', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ runCondition: 'running == true', location: 'Hall A', calibrationDue: Date.UTC(2027, 2, 31) }),
    });
    expect(patch.status).toBe(200);
    await stack.influx.client.ensureDatabase();
    await writeDryerHistory(stack.influx.client);
    page = await newPage(chrome, stack.api.url);
  });
  afterAll(() => page?.context().close());

  it('rejects a wrong password with the API message and keeps what was typed, then logs in', async () => {
    await page.goto('/');
    await page.waitForSelector('#login-form');
    await page.fill('input[name=email]', TEST_ADMIN.email);
    await page.fill('input[name=password]', 'not the password');
    await page.click('button[type=submit]');
    const error = page.locator('#login-form .form-error');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toMatch(/^401: .+/);
    expect(await page.inputValue('input[name=email]')).toBe(TEST_ADMIN.email);
    await screenshot(page, 'login-error');

    await page.fill('input[name=password]', TEST_ADMIN.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-equipment="dryer-1"]');
    expect(await page.locator('#top .who').textContent()).toContain('admin');
  });

  it('shows a value set in the simulator on the board without reloading', async () => {
    const card = page.locator('[data-equipment="dryer-1"]');
    await expect.poll(() => card.locator('[data-role=status]').textContent(), { timeout: 20_000 }).toBe('running');
    stack.dryer.override('inletTemp', 123.25);
    await expect.poll(() => card.locator('dd[data-parameter=inlet_temp]').textContent(), { timeout: 20_000 }).toBe('123.25 °C');
    await screenshot(page, 'board');
    stack.dryer.override('inletTemp', undefined);
  });

  it('follows the status stream when the dryer stops and starts', async () => {
    const status = page.locator('[data-equipment="dryer-1"] [data-role=status]');
    stack.dryer.setRunning(false);
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe('idle');
    stack.dryer.setRunning(true);
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe('running');
  });

  it('opens the equipment page with charts from plot-mode history and the calibration due date', async () => {
    const historyCalls: string[] = [];
    page.on('request', (r) => { if (r.url().includes('/history?')) historyCalls.push(r.url()); });
    const plots: { from: number; to: number; maxPoints: number; series: { parameter: string; buckets: unknown[] }[] }[] = [];
    page.on('response', async (r) => { if (r.url().includes('mode=plot') && r.ok()) plots.push(await r.json().catch(() => null)); });
    await page.click('[data-equipment="dryer-1"]');
    await page.waitForSelector('.chart[data-parameter=inlet_temp] canvas');
    expect(await page.locator('[data-role=calibration-due]').textContent()).toBe(new Date(Date.UTC(2027, 2, 31)).toLocaleDateString('en-US'));
    await expect.poll(() => historyCalls.some((u) => u.includes('mode=plot') && u.includes('maxPoints=')), { timeout: 10_000 }).toBe(true);
    // Zooming by dragging across a chart asks the API for just that window.
    const before = historyCalls.length;
    const box = (await page.locator('.chart[data-parameter=inlet_temp] .u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => historyCalls.length, { timeout: 10_000 }).toBeGreaterThan(before);
    expect(await page.locator('button[aria-pressed]').getAttribute('aria-pressed')).toBe('false');
    await page.click('button:has-text("Live")');
    expect(await page.locator('button[aria-pressed]').getAttribute('aria-pressed')).toBe('true');
    // Two hours of 1 Hz history come back downsampled: the chart holds at most maxPoints min/max pairs.
    await page.click('input[name=parameter][value=running]');
    await page.click('button:has-text("1 h")');
    await page.waitForSelector('.chart[data-parameter=running] canvas');
    const isHour = (b: (typeof plots)[number] | null) => b !== null && Math.abs(b.to - b.from - 3_600_000) < 1000;
    await expect.poll(() => plots.some(isHour), { timeout: 20_000 }).toBe(true);
    const hour = plots.find(isHour)!;
    const inlet = hour.series.find((x) => x.parameter === 'inlet_temp')!;
    expect(inlet.buckets.length).toBeGreaterThan(0);
    expect(inlet.buckets.length).toBeLessThanOrEqual(hour.maxPoints);
    expect(inlet.buckets.length).toBeLessThan(3600); // fewer than the hour's 1 Hz points: downsampled
    await screenshot(page, 'equipment');
  });

  it('serves the dashboard without a token but keeps the data behind one', async () => {
    const index = await fetch(`${stack.api.url}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<script type="module" src="/app.js">');
    expect((await fetch(`${stack.api.url}/app.js`)).status).toBe(200);
    expect((await fetch(`${stack.api.url}/api/v1/equipment`)).status).toBe(401);
    const unknown = await fetch(`${stack.api.url}/api/v1/no-such-route`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/json');
  });

  it('logs out: the session token is revoked and the login page is back', async () => {
    const token = await page.evaluate(() => localStorage.getItem('pilothub.token'));
    expect(token).toBeTruthy();
    await page.click('#logout');
    await page.waitForSelector('#login-form');
    const res = await fetch(`${stack.api.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
  });
});
