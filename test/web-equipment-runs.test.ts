import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../common/contracts/index.js';
import { t } from '../common/i18n/index.js';
import { browser, login, newPage, screenshot } from './helpers/browser.js';
import { TEST_ADMIN } from './helpers/servers.js';
import { historyStack, iso } from './history-fixture.js';

/**
 * The equipment page's runs (newest first, open ones marked, links to the run, to compare and to reports) in
 * chromium against the real API, as staff and as a customer, who sees only its organisation's runs there.
 */
const EQ = 'dryer-r';
const MIN = 60_000;
const at = (h: number, m: number) => Date.UTC(2026, 10, 23, h, m, 0);

const shownRuns = (page: Page) => page.locator('[data-role=equipment-runs] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run')));
const cells = (page: Page, role: string) => page.locator(`[data-role=equipment-runs] tbody td[data-role=${role}]`).allTextContents();

describe('web dashboard: the runs on the equipment page', () => {
  let s: Awaited<ReturnType<typeof historyStack>>;
  let chrome: Browser;
  let customer: { email: string };
  /** Operator runs without a booking, oldest first: ten of them push the list past its first page. */
  const operatorRuns: string[] = [];
  let acmeClosed: string, betaClosed: string, acmeOpen: string, report: string;

  beforeAll(async () => {
    [s, chrome] = await Promise.all([historyStack(EQ, [{ id: 'temperature', name: 'Temperature', unit: '°C', datatype: 'number' }]), browser()]);
    await s.announce('dryer-e', [{ id: 'temperature', name: 'Temperature', unit: '°C', datatype: 'number' }]);
    await s.org('acme');
    await s.org('beta');
    await s.ok(s.admin, 'PATCH', `/api/v1/equipment/${EQ}`, { bookable: true, leadTimeMin: 0 });
    const acme = await s.user('customer', 'acme');
    const beta = await s.user('customer', 'beta');
    customer = acme;
    /** A customer books, an engineer approves and opens the run with its recipe (and closes it when `to` is given). */
    const bookedRun = async (token: string, from: number, to: number | null, recipe: string) => {
      const booking = await s.ok<{ id: string; status: string }>(token, 'POST', '/api/v1/bookings', { equipmentId: EQ, startsAt: iso(from), endsAt: iso(from + 30 * MIN) });
      if (booking.status !== 'approved') await s.ok(s.admin, 'POST', `/api/v1/bookings/${booking.id}/approve`, {});
      const run = await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/runs', { equipmentId: EQ, bookingId: booking.id, startedAt: iso(from), recipe });
      if (to !== null) await s.ok(s.admin, 'POST', `/api/v1/runs/${run.id}/close`, { endedAt: iso(to) });
      return run.id;
    };
    for (let i = 0; i < 10; i++) {
      const run = await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/runs', { equipmentId: EQ, startedAt: iso(at(7, i * 5)), recipe: `trial-${i}` });
      await s.ok(s.admin, 'POST', `/api/v1/runs/${run.id}/close`, { endedAt: iso(at(7, i * 5 + 4)) });
      operatorRuns.push(run.id);
    }
    acmeClosed = await bookedRun(acme.token, at(9, 0), at(9, 10), 'MD-20');
    betaClosed = await bookedRun(beta.token, at(9, 30), at(9, 40), 'MD-35');
    acmeOpen = await bookedRun(acme.token, at(10, 0), null, 'MD-40');
    // The open run is under way at 11:00; the closed ones are over, so a report may cover one.
    s.clock.set(at(11, 0));
    const readings: Reading[] = [];
    for (let i = 0; i < 60; i++) readings.push({ p: 'temperature', v: 180 + (i % 5), t: at(9, 0) + i * 10_000 });
    await s.write(readings);
    report = (await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/reports', { runId: acmeClosed, method: 'MD-20' })).id;
  });

  it('lists the newest ten runs first, marks the open one, asks for older ones on demand and links to the run, to compare and to its report', async () => {
    const page = await newPage(chrome, s.api.url);
    await login(page, TEST_ADMIN.email, TEST_ADMIN.password);
    // What the page asks the API for: one page of runs at a time, and only those runs' reports.
    const asked: URL[] = [];
    page.on('request', (r) => { const url = new URL(r.url()); if (['/api/v1/runs', '/api/v1/reports'].includes(url.pathname)) asked.push(url); });
    const query = (path: string) => asked.filter((u) => u.pathname === path).map((u) => Object.fromEntries(u.searchParams));
    await page.goto(`/#/equipment/${EQ}`);
    await page.locator(`[data-role=equipment-runs] tr[data-run="${acmeOpen}"]`).waitFor();
    const newest = [acmeOpen, betaClosed, acmeClosed, ...[...operatorRuns].reverse()];
    expect(await shownRuns(page)).toEqual(newest.slice(0, 10));
    expect((await cells(page, 'recipe')).slice(0, 4)).toEqual(['MD-40', 'MD-35', 'MD-20', 'trial-9']);
    expect((await cells(page, 'organisation')).slice(0, 3)).toEqual(['Org acme', 'Org beta', 'Org acme']);
    const open = page.locator(`[data-role=equipment-runs] tr[data-run="${acmeOpen}"] [data-role=open]`);
    expect(await open.textContent()).toBe(t('en', 'runs.open'));
    expect(await page.locator('[data-role=equipment-runs] [data-role=open]').count()).toBe(1);
    expect(await page.locator(`[data-role=equipment-runs] tr[data-run="${acmeClosed}"] a.report-link`).getAttribute('href')).toBe(`#/reports/${encodeURIComponent(report)}`);
    await screenshot(page, 'equipment-runs');
    expect(query('/api/v1/runs')).toEqual([{ equipment: EQ, limit: '10' }]);
    expect(query('/api/v1/reports')).toEqual([{ runs: newest.slice(0, 10).join(',') }]);
    expect(await page.locator('[data-role=more-runs]').textContent()).toBe(t('en', 'runs.older'));

    // The older runs are asked for when wanted, after the last one shown.
    await page.click('[data-role=more-runs]');
    await page.locator(`[data-role=equipment-runs] tr[data-run="${operatorRuns[0]}"]`).waitFor();
    expect(await shownRuns(page)).toEqual(newest);
    expect(await page.locator('[data-role=more-runs]').isHidden()).toBe(true);
    const [, older] = query('/api/v1/runs');
    const firstPage = await s.ok<{ nextBefore: string }>(s.admin, 'GET', `/api/v1/runs?equipment=${EQ}&limit=10`);
    expect(older).toEqual({ equipment: EQ, limit: '10', before: firstPage.nextBefore });
    expect(query('/api/v1/reports')[1]).toEqual({ runs: newest.slice(10).join(',') });

    // The compare page opens with this equipment chosen and the run ticked.
    await page.click(`[data-role=equipment-runs] tr[data-run="${betaClosed}"] a[data-link=compare]`);
    await page.locator(`[data-role=compare-runs] tr[data-run="${betaClosed}"]`).waitFor();
    expect(await page.inputValue('select[name=equipment]')).toBe(EQ);
    expect(await page.isChecked(`[data-role=compare-runs] tr[data-run="${betaClosed}"] input[name=run]`)).toBe(true);
    expect(await page.locator('[data-role=compare-runs] input[name=run]:checked').count()).toBe(1);

    // The run opens on the runs page, listing this equipment's runs with that one marked.
    await page.goBack();
    await page.click(`[data-role=equipment-runs] tr[data-run="${acmeClosed}"] a[data-link=run]`);
    await page.locator(`table[data-role=runs] tr.marked[data-run="${acmeClosed}"]`).waitFor();
    expect(await page.locator('table[data-role=runs] tbody tr').count()).toBe(newest.length);
    expect(await page.locator('[data-role=runs-filter]').textContent()).toContain(EQ);
    await page.context().close();
  });

  it('shows a customer only its organisation\'s runs on the equipment page', async () => {
    const page = await newPage(chrome, s.api.url);
    await login(page, customer.email, 'correct horse battery');
    await page.goto(`/#/equipment/${EQ}`);
    await page.locator(`[data-role=equipment-runs] tr[data-run="${acmeOpen}"]`).waitFor();
    expect(await shownRuns(page)).toEqual([acmeOpen, acmeClosed]);
    expect(await cells(page, 'recipe')).toEqual(['MD-40', 'MD-20']);
    expect(await page.locator('[data-role=more-runs]').isHidden()).toBe(true);
    await page.context().close();
  });

  it('says when the equipment has no runs, and shows the list\'s failure in its own box while the page works', async () => {
    const page = await newPage(chrome, s.api.url);
    await login(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.goto('/#/equipment/dryer-e');
    await page.locator('[data-role=equipment-runs] .empty').waitFor();
    expect(await page.locator('[data-role=equipment-runs] .empty').textContent()).toBe(t('en', 'empty.equipmentRuns'));
    // The network drops the runs request (the API is not asked); the charts and the sidebar are still there.
    await page.route((url) => url.pathname === '/api/v1/runs', (route) => route.abort('connectionfailed'));
    await page.goto(`/#/equipment/${EQ}`);
    await page.locator('[data-role=equipment-runs] .error-box').waitFor();
    expect(await page.locator('[data-role=equipment-runs] table').count()).toBe(0);
    expect(await page.locator('[data-role=calibration]').count()).toBe(1);
    expect(await page.locator('.charts').count()).toBe(1);
    await page.context().close();
  });
});
