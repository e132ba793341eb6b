import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, login, newPage, screenshot } from './helpers/browser.js';
import { eventually, TEST_ADMIN } from './helpers/servers.js';
import { fullStack } from './helpers/stack.js';
import { writeDryerHistory } from './web-history-fixture.js';

type Stack = Awaited<ReturnType<typeof fullStack>>;

const DAY = 86_400_000;
const HOUR = 3_600_000;
const local = (t: number) => new Date(t).toISOString().slice(0, 16);

/** Pixels of a chart's canvas in the spec-limit red (#dc2626): none unless a limit line is drawn. */
const limitPixels = (page: Page, parameter: string) => page.evaluate((p) => {
  const canvas = document.querySelector<HTMLCanvasElement>(`.chart[data-parameter="${p}"] canvas`)!;
  const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
  let red = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i]! > 200 && data[i + 1]! < 70 && data[i + 2]! < 70 && data[i + 3]! > 200) red++;
  return red;
}, parameter);

/**
 * Issue #15 on the board, the equipment page and the booking form, in chromium against the real hub (the example
 * gateway: the dryer answers, the extruder and reactor have no simulator here, so they are offline).
 */
describe('web dashboard: key parameters, limits on charts, no-data text, keyboard panning, booking form', () => {
  let stack: Stack;
  let chrome: Browser;
  let page: Page;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await stack.api.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };

  beforeAll(async () => {
    [stack, chrome] = await Promise.all([fullStack(), browser()]);
    for (const id of ['dryer-1', 'extruder-1']) await eventually(`${id} registered`, async () => ((await stack.api.fetch(`/api/v1/equipment/${id}`)).ok ? true : undefined));
    await api('PATCH', '/api/v1/equipment/extruder-1', { keyParameters: ['melt_pressure', 'screw_speed', 'zone1_temp', 'zone2_temp'] });
    await api('PATCH', '/api/v1/equipment/dryer-1', { runCondition: 'running == true', bookable: true, autoApproveAll: true });
    await api('POST', '/api/v1/spec-limits', { equipmentId: 'dryer-1', parameter: 'inlet_temp', low: 150, high: 200, target: null });
    await stack.influx.client.ensureDatabase();
    await writeDryerHistory(stack.influx.client);
    page = await newPage(chrome, stack.api.url);
    await login(page, TEST_ADMIN.email, TEST_ADMIN.password);
  });
  afterAll(() => page?.context().close());

  it("shows each equipment's key parameters in their order, when it was updated, and an offline badge", async () => {
    const extruder = page.locator('[data-equipment="extruder-1"]');
    await extruder.waitFor();
    expect(await extruder.locator('dd').evaluateAll((dds) => dds.map((d) => d.getAttribute('data-parameter')))).toEqual(['melt_pressure', 'screw_speed', 'zone1_temp', 'zone2_temp']);
    expect(await extruder.locator('dt').allTextContents()).toEqual(['Melt pressure at the die', 'Screw speed', 'Barrel zone 1 temperature', 'Barrel zone 2 temperature']);
    const offline = extruder.locator('[data-role=offline-badge]');
    expect(await offline.textContent()).toMatch(/^offline/);
    // Worded from the catalog in the reader's language; the device's own words (from its gateway) stay in the tooltip.
    await expect.poll(() => offline.textContent(), { timeout: 20_000 }).toMatch(/: the device does not answer its gateway$/);
    expect(await offline.getAttribute('title')).toMatch(/\d+\.\d+\.\d+\.\d+|ECONNREFUSED|timed out/i);
    expect(await extruder.locator('[data-role=updated]').textContent()).toBe('no reading yet');
    // The dryer has no choice made: the first five numeric parameters, as before.
    const dryer = page.locator('[data-equipment="dryer-1"]');
    expect(await dryer.locator('dd').count()).toBe(5);
    expect(await dryer.locator('[data-role=offline-badge]').count()).toBe(0);
    const updated = dryer.locator('[data-role=updated]');
    await expect.poll(() => updated.textContent(), { timeout: 20_000 }).toMatch(/^updated .*\d\d:\d\d:\d\d/);
    const first = await updated.textContent();
    await expect.poll(() => updated.textContent(), { timeout: 20_000 }).not.toBe(first);
    await screenshot(page, 'day-one-board');
  });

  it('draws the spec limits on the chart of the parameter that has them, and only there', async () => {
    await page.goto('/#/equipment/dryer-1');
    const inlet = page.locator('.chart[data-parameter=inlet_temp]');
    await inlet.locator('canvas').waitFor();
    expect(await inlet.getAttribute('data-limit-high')).toBe('200');
    await expect.poll(() => limitPixels(page, 'inlet_temp'), { timeout: 10_000 }).toBeGreaterThan(200);
    expect(await limitPixels(page, 'outlet_temp')).toBe(0);
    expect(await inlet.locator('[data-role=no-data]').isHidden()).toBe(true);
    await screenshot(page, 'day-one-spec-limits');
  });

  it('pans with ← and → as the help says, leaving Live', async () => {
    const label = page.locator('[data-role=range]');
    await expect.poll(() => label.textContent()).toMatch(/\d/);
    const windows: { from: number; to: number }[] = [];
    page.on('request', (r) => {
      if (!r.url().includes('mode=plot')) return;
      const q = new URL(r.url()).searchParams;
      windows.push({ from: Date.parse(q.get('from')!), to: Date.parse(q.get('to')!) });
    });
    await page.locator('h1').click();
    const before = Date.now();
    await page.keyboard.press('ArrowLeft');
    // Live refreshes its window every 5 s; one may have gone out just before the key: the panned window is the one
    // that ends well before now.
    const panned = () => windows.filter((w) => before - w.to > 60_000);
    await expect.poll(() => panned().length).toBeGreaterThan(0);
    const left = panned().at(-1)!;
    // The 15 min window moved back by half of itself.
    expect(before - left.to).toBeGreaterThan(7 * 60_000 - 30_000);
    expect(left.to - left.from).toBeCloseTo(15 * 60_000, -3);
    expect(await page.locator('button[aria-pressed]').getAttribute('aria-pressed')).toBe('false');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => windows.at(-1)!.to).toBe(left.to + 7.5 * 60_000);
    // Arrows typed in a field are the field's, not the chart's.
    const count = windows.length;
    await page.locator('input[name=parameter]').first().focus();
    await page.keyboard.press('ArrowLeft');
    await new Promise((r) => setTimeout(r, 500));
    expect(windows.length).toBe(count);
  });

  it('says "no data in this window" instead of drawing an empty chart', async () => {
    await page.goto('/#/equipment/extruder-1');
    const noData = page.locator('.chart[data-parameter=zone1_temp] [data-role=no-data]');
    await expect.poll(() => noData.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await noData.textContent()).toContain('No data in this window');
    // The dryer's history is there: panning back into it makes the text go.
    await page.goto('/#/equipment/dryer-1');
    const dryerNoData = page.locator('.chart[data-parameter=inlet_temp] [data-role=no-data]');
    await page.locator('.chart[data-parameter=inlet_temp] canvas').waitFor();
    await expect.poll(() => dryerNoData.isHidden(), { timeout: 10_000 }).toBe(true);
    await screenshot(page, 'day-one-no-data');
  });

  it('knows before any slot is picked that equipment is not bookable, and says why', async () => {
    await page.goto('/#/calendar/extruder-1');
    const form = page.locator('#booking-form');
    await form.waitFor();
    expect(await form.getAttribute('data-bookable')).toBe('false');
    expect(await form.locator('[data-role=not-bookable]').textContent()).toContain('not bookable');
    expect(await form.locator('button[type=submit]').isDisabled()).toBe(true);
    expect(await form.locator('input[name=startsAt]').isDisabled()).toBe(true);
    // Clicking an hour on the grid does not offer the slot as free.
    await page.locator('.day-body').nth(3).click({ position: { x: 10, y: 200 } });
    expect(await form.locator('[data-role=conflicts]').textContent()).toBe('');
    expect(await page.inputValue('#booking-form input[name=startsAt]')).toBe('');
    await screenshot(page, 'day-one-not-bookable');
  });

  it('does not list a booking just made as a conflict with itself', async () => {
    await page.goto('/#/calendar/dryer-1');
    await page.locator('#booking-form[data-bookable=true]').waitFor();
    await page.click('button[aria-label="next week"]');
    const d = new Date();
    const monday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - ((d.getUTCDay() + 6) % 7) * DAY + 7 * DAY;
    await page.fill('#booking-form input[name=startsAt]', local(monday + DAY + 9 * HOUR));
    await page.fill('#booking-form input[name=endsAt]', local(monday + DAY + 11 * HOUR));
    await page.locator('#booking-form .ok').waitFor();
    await page.click('#booking-form button[type=submit]');
    await page.locator('[data-role=booked]').waitFor();
    // The week is fetched again after booking: the new booking is on it, and still no conflict is named.
    await page.locator('.slot[data-booking^="bkg"], .slot:not([data-booking=busy])').first().waitFor();
    await new Promise((r) => setTimeout(r, 300));
    expect(await page.locator('#booking-form [data-role=conflict]').count()).toBe(0);
    // Another request over the same hours is a conflict with it.
    await page.fill('#booking-form input[name=endsAt]', local(monday + DAY + 12 * HOUR));
    await page.locator('#booking-form [data-role=conflict]').waitFor();
    await screenshot(page, 'day-one-booked');
  });
});
