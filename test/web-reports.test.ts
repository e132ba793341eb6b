import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readingToLine } from '../common/influx/layout.js';
import { t as tr } from '../common/i18n/index.js';
import { browser, login, newPage, screenshot } from './helpers/browser.js';
import { eventually, TEST_ADMIN } from './helpers/servers.js';
import { apiCaller, dryerRegistered, fullStack, type ApiCall } from './helpers/stack.js';

type Stack = Awaited<ReturnType<typeof fullStack>>;

/** A run of the real spray dryer, its report issued, opened, downloaded and verified in chromium. */
describe('web dashboard: runs and reports', () => {
  let stack: Stack;
  let chrome: Browser;
  let page: Page;
  let runId: string;
  /** Closed runs long before the live one, oldest first: with it they make more than a page (25) of runs. */
  const older: string[] = [];

  let api: ApiCall;

  beforeAll(async () => {
    [stack, chrome] = await Promise.all([fullStack(), browser()]);
    api = apiCaller(stack.api);
    await dryerRegistered(stack.api);
    await api('PATCH', '/api/v1/equipment/dryer-1', { manufacturer: 'GEA', model: 'Mobile Minor', serialNumber: 'MM-4411', calibrationDue: Date.UTC(2027, 5, 30) });
    // Runs long before the live one (opened and closed before it: an open run would overlap it).
    for (let i = 0; i < 30; i++) {
      const start = Date.UTC(2025, 0, 6, 8, 0) + i * 10 * 60_000;
      const run = await api<{ id: string }>('POST', '/api/v1/runs', { equipmentId: 'dryer-1', startedAt: new Date(start).toISOString(), recipe: `trial-${i}` });
      await api('POST', `/api/v1/runs/${run.id}/close`, { endedAt: new Date(start + 5 * 60_000).toISOString() });
      older.push(run.id);
    }
    // An engineer opens and closes a run by hand around a few seconds of real telemetry.
    const from = Date.now() - 1000;
    runId = (await api<{ id: string }>('POST', '/api/v1/runs', { equipmentId: 'dryer-1', startedAt: new Date(from).toISOString(), note: 'browser test' })).id;
    // Wait for stored telemetry inside the run rather than a fixed time: a loaded machine may need longer.
    await eventually('three inlet_temp points stored inside the run', async () => {
      const q = new URLSearchParams({ parameter: 'inlet_temp', from: new Date(from).toISOString(), to: new Date().toISOString() });
      const history = await api<{ points: unknown[] }>('GET', `/api/v1/equipment/dryer-1/history?${q}`);
      return history.points.length >= 3 ? true : undefined;
    }, 30_000);
    await api('POST', `/api/v1/runs/${runId}/close`, {});
    page = await newPage(chrome, stack.api.url);
    await login(page, TEST_ADMIN.email, TEST_ADMIN.password);
  });
  afterAll(() => page?.context().close());

  it('issues a report from the run list and opens it with statistics and charts', async () => {
    await page.goto('/#/runs');
    const row = page.locator(`tr[data-run="${runId}"]`);
    await row.waitFor();
    await screenshot(page, 'runs');
    // The API requires a method: its field message appears next to the input, which keeps its place.
    await row.locator('button[type=submit]').click();
    await row.locator('.field-error[data-field=method]').waitFor();
    await row.locator('input[name=method]').fill('SD-7 maltodextrin, inlet 180 °C');
    // The report page reads its one report, never the list of every report on the platform.
    const listed: string[] = [];
    const onRequest = (r: { url(): string; method(): string }) => { if (r.method() === 'GET' && new URL(r.url()).pathname === '/api/v1/reports') listed.push(r.url()); };
    page.on('request', onRequest);
    await row.locator('button[type=submit]').click();
    await page.waitForSelector('table[data-role=statistics]');
    page.off('request', onRequest);
    expect(listed).toEqual([]);
    expect(await page.locator('h1').textContent()).toBeTruthy();
    const inlet = page.locator('table[data-role=statistics] tr[data-parameter=inlet_temp]');
    expect(Number(await inlet.locator('td').nth(2).textContent())).toBeGreaterThan(0);
    await page.waitForSelector('.chart[data-parameter=inlet_temp] canvas');
    expect(await page.locator('main').textContent()).toContain('MM-4411');
  });

  it('downloads the PDF and the CSV through the authenticated API', async () => {
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.click('button[data-download=pdf]')]);
    expect(readFileSync((await pdf.path())!).subarray(0, 5).toString()).toBe('%PDF-');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('button[data-download=csv]')]);
    expect(readFileSync((await csv.path())!, 'utf8')).toContain('inlet_temp,');
  });

  it('verifies the data: match, then mismatch naming the point after one stored value changes', async () => {
    await page.click('#verify');
    await page.waitForSelector('[data-result=match]');
    await screenshot(page, 'report');

    const reportId = decodeURIComponent(page.url().split('#/reports/')[1]!);
    const csv = await (await stack.api.fetch(`/api/v1/reports/${reportId}/data.csv`)).text();
    const line = csv.split('\n').find((l) => l.startsWith('inlet_temp,'))!;
    const [, t, v] = line.split(',');
    // Same series and timestamp: InfluxDB overwrites the stored point, as a tampering would.
    await stack.influx.client.write(readingToLine({ site: 'pilot-hall-a', equipment: 'dryer-1', gateway: 'gw-hall-a' }, { p: 'inlet_temp', t: Number(t), v: Number(v) + 1 }));
    await page.click('#verify');
    const mismatch = page.locator('[data-result=mismatch]');
    await mismatch.waitFor();
    expect(await mismatch.textContent()).toContain(new Date(Number(t)).toISOString());
    await screenshot(page, 'report-mismatch');
  });
  it('lists the runs newest first a page at a time with only their reports, and finds a marked run older than the first page', async () => {
    // What the page asks the API for: a page of runs at a time, and only those runs' reports.
    const asked: URL[] = [];
    page.on('request', (r) => { const url = new URL(r.url()); if (url.pathname.startsWith('/api/v1/runs') || url.pathname === '/api/v1/reports') asked.push(url); });
    const query = (path: string) => asked.filter((u) => u.pathname === path).map((u) => Object.fromEntries(u.searchParams));
    const shown = () => page.locator('table[data-role=runs] tbody tr').evaluateAll((trs) => trs.map((r) => r.getAttribute('data-run')));
    const newest = [runId, ...[...older].reverse()];
    await page.goto('/#/runs');
    await page.locator(`table[data-role=runs] tr[data-run="${runId}"] a.report-link`).waitFor();
    expect(await shown()).toEqual(newest.slice(0, 25));
    expect(query('/api/v1/runs')).toEqual([{ limit: '25' }]);
    expect(query('/api/v1/reports')).toEqual([{ runs: newest.slice(0, 25).join(',') }]);
    const more = page.locator('[data-role=more-runs]');
    expect(await more.textContent()).toBe(tr('en', 'runs.older'));

    // The older runs come after the last one shown, with their reports; then there is nothing older to ask for.
    await more.click();
    await page.locator(`table[data-role=runs] tr[data-run="${older[0]}"]`).waitFor();
    expect(await shown()).toEqual(newest);
    expect(await more.isHidden()).toBe(true);
    const firstPage = await api<{ nextBefore: string }>('GET', '/api/v1/runs?limit=25');
    expect(query('/api/v1/runs')[1]).toEqual({ limit: '25', before: firstPage.nextBefore });
    expect(query('/api/v1/reports')[1]).toEqual({ runs: newest.slice(25).join(',') });
    // The issue form and the staff's actions are on the older runs too.
    const oldest = page.locator(`table[data-role=runs] tr[data-run="${older[0]}"]`);
    expect(await oldest.locator('input[name=method]').inputValue()).toBe('trial-0');
    expect(await oldest.locator('[data-action=correct-run]').count()).toBe(1);

    // One equipment's runs with its oldest run marked: that run is asked for by itself, shown marked, and not again
    // among the older runs.
    asked.length = 0;
    await page.goto(`/#/runs?equipment=dryer-1&run=${older[0]}`);
    await page.locator(`table[data-role=runs] tbody[data-role=marked-run] tr.marked[data-run="${older[0]}"]`).waitFor();
    expect(await page.locator('[data-role=runs-filter]').textContent()).toContain('dryer-1');
    expect(query('/api/v1/runs')).toEqual([{ equipment: 'dryer-1', limit: '25' }]);
    expect(query(`/api/v1/runs/${older[0]}`)).toEqual([{}]);
    expect(await shown()).toEqual([older[0]!, ...newest.slice(0, 25)]);
    await more.click();
    await page.locator(`table[data-role=runs] tr[data-run="${older[1]}"]`).waitFor();
    expect(await shown()).toEqual([older[0]!, ...newest.slice(0, -1)]);
    expect(await page.locator('tr.marked').count()).toBe(1);
    expect(query('/api/v1/runs')[1]).toEqual({ equipment: 'dryer-1', limit: '25', before: firstPage.nextBefore });

    // A marked run on the first page is marked where it is, without asking for it again.
    asked.length = 0;
    await page.goto(`/#/runs?run=${older[20]}`);
    await page.locator(`table[data-role=runs] tr.marked[data-run="${older[20]}"]`).waitFor();
    expect(await shown()).toEqual(newest.slice(0, 25));
    expect(query(`/api/v1/runs/${older[20]}`)).toEqual([]);
  });
});
