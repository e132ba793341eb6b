import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { browser, login, newPage, screenshot } from './helpers/browser.js';
import { TEST_ADMIN } from './helpers/servers.js';
import { sharingStack, testClock } from './sharing-fixture.js';

type Stack = Awaited<ReturnType<typeof sharingStack>>;

/** The Platform page in chromium: figures for a chosen period, the three charts and the drill-down to runs. */
describe('web dashboard: platform service page', () => {
  let s: Stack;
  let chrome: Browser;
  let page: Page;
  let alice: { email: string; token: string };
  const D = (day: number, hour = 0) => Date.UTC(2026, 10, day, hour);

  beforeAll(async () => {
    [s, chrome] = await Promise.all([sharingStack({ clock: testClock(D(23, 8)) }), browser()]);
    await s.org('acme');
    alice = await s.user('customer', 'acme', 'alice');
    await s.announce('mixer-1');
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/mixer-1', { bookable: true, autoApproveAll: true, name: 'Pilot mixer' });
    const booking = await s.ok<{ id: string }>(alice.token, 'POST', '/api/v1/bookings', { equipmentId: 'mixer-1', startsAt: s.iso(D(24, 8)), endsAt: s.iso(D(24, 12)) });
    const run = async (from: number, to: number, bookingId?: string) => {
      const r = await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/runs', { equipmentId: 'mixer-1', startedAt: s.iso(from), ...(bookingId ? { bookingId } : {}) });
      await s.ok(s.admin, 'POST', `/api/v1/runs/${r.id}/close`, { endedAt: s.iso(to) });
    };
    await run(D(24, 8), D(24, 11), booking.id); // 3 h for acme
    await run(D(25, 9), D(25, 10)); // 1 h internal
    page = await newPage(chrome, s.api.url);
    await login(page, TEST_ADMIN.email, TEST_ADMIN.password);
  });

  it('shows the period\'s figures and charts, and lists the runs behind an equipment\'s hours', async () => {
    await page.goto('/#/platform');
    await page.waitForSelector('#platform-form');
    await page.fill('input[name=from]', '2026-11-01');
    await page.fill('input[name=to]', '2026-12-01');
    await page.click('#platform-form button[type=submit]');
    await page.waitForSelector('[data-role=equipment-figures]');
    expect(await page.textContent('[data-stat=effective] strong')).toBe('4.0 h');
    expect(await page.textContent('[data-stat=external] strong')).toBe('3.0 h');
    expect(await page.textContent('[data-stat=sharing] strong')).toBe('75.0 %');
    expect(await page.locator('[data-chart=monthly] rect').count()).toBeGreaterThan(2);
    expect(await page.locator('[data-chart=sharing] text', { hasText: 'Pilot mixer' }).count()).toBe(1);
    // 24 Nov 2026 was a Tuesday: 08:00-11:00 UTC (the page's zone here) holds the acme run.
    expect(await page.locator('[data-chart=heatmap] tbody tr').count()).toBe(7);
    for (const hour of [8, 9, 10]) expect(await page.getAttribute(`[data-chart=heatmap] tbody tr:nth-child(3) td:nth-of-type(${hour + 1})`, 'title')).toBe('1.0 h');
    expect(await page.getAttribute('[data-chart=heatmap] tbody tr:nth-child(3) td:nth-of-type(12)', 'title')).toBe('0.0 h');
    await page.click('[data-equipment=mixer-1] button');
    await page.waitForSelector('[data-role=runs] [data-run]');
    expect(await page.locator('[data-role=runs] [data-run]').count()).toBe(2);
    expect(await page.textContent('[data-role=total-hours]')).toBe('4.0');
    await screenshot(page, 'platform');
  });

  it('offers the Platform page to operator staff in the header', async () => {
    expect(await page.locator('nav a[href="#/platform"]').textContent()).toBe('Platform');
  });

  it('shows a customer its own organisation\'s hours from its own header link, and no platform figures', async () => {
    const customer = await newPage(chrome, s.api.url);
    await login(customer, alice.email, 'correct horse battery');
    await customer.click('nav a[href="#/platform"]');
    expect(await customer.locator('nav a[href="#/platform"]').textContent()).toBe('My usage');
    await customer.fill('input[name=from]', '2026-11-01');
    await customer.fill('input[name=to]', '2026-12-01');
    await customer.click('#platform-form button[type=submit]');
    const row = customer.locator('[data-role=org-figures] tr[data-equipment="mixer-1"]');
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toBe('3.0');
    expect(await customer.locator('[data-stat], [data-role=equipment-figures]').count()).toBe(0);
    await customer.context().close();
  });
});
