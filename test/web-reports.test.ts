import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readingToLine } from '../common/influx/layout.js';
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

  let api: ApiCall;

  beforeAll(async () => {
    [stack, chrome] = await Promise.all([fullStack(), browser()]);
    api = apiCaller(stack.api);
    await dryerRegistered(stack.api);
    await api('PATCH', '/api/v1/equipment/dryer-1', { manufacturer: 'GEA', model: 'Mobile Minor', serialNumber: 'MM-4411', calibrationDue: Date.UTC(2027, 5, 30) });
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
    await row.locator('button[type=submit]').click();
    await page.waitForSelector('table[data-role=statistics]');
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
});
