import type { Browser } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../common/contracts/index.js';
import { t } from '../common/i18n/index.js';
import { browser, login, newPage, screenshot } from './helpers/browser.js';
import { TEST_ADMIN } from './helpers/servers.js';
import { customerRun, historyStack } from './history-fixture.js';

/** The compare page (issue #17) in chromium against the real API: overlay, legend and statistics; a customer's picker. */
const at = (h: number, m: number) => Date.UTC(2026, 10, 23, h, m, 0);

function batch(from: number, heatAfterS: number, base: number): Reading[] {
  const out: Reading[] = [{ p: 'batch_state', v: 'charging', t: from }, { p: 'batch_state', v: 'heating', t: from + heatAfterS * 1000 }];
  for (let i = 0; i < 600; i++) out.push({ p: 'temperature', v: i < heatAfterS ? base : base + 30 + (i - heatAfterS) / 10, t: from + i * 1000 });
  return out;
}

describe('web dashboard: compare runs', () => {
  let s: Awaited<ReturnType<typeof historyStack>>;
  let chrome: Browser;
  const runs: string[] = [];
  let foreign: string;
  let customer: { email: string };

  beforeAll(async () => {
    [s, chrome] = await Promise.all([historyStack('reactor-w', [
      { id: 'batch_state', name: 'Batch state', unit: '', datatype: 'string' },
      { id: 'temperature', name: 'Temperature', unit: '°C', datatype: 'number' },
    ]), browser()]);
    await s.org('acme');
    await s.org('beta');
    await s.write([...batch(at(9, 0), 120, 20), ...batch(at(9, 30), 240, 22), ...batch(at(10, 0), 60, 25)]);
    let first;
    ({ runId: runs[0]!, customer: first } = await customerRun(s, 'reactor-w', 'acme', at(9, 0), at(9, 10)));
    customer = first;
    runs.push((await customerRun(s, 'reactor-w', 'acme', at(9, 30), at(9, 40))).runId);
    foreign = (await customerRun(s, 'reactor-w', 'beta', at(10, 0), at(10, 10))).runId;
  });

  it('overlays picked runs aligned on a phase, with a legend per run and the statistics table', async () => {
    const page = await newPage(chrome, s.api.url);
    await login(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.click('nav a[href="#/compare"]');
    await page.locator(`tr[data-run="${foreign}"]`).waitFor();
    // Newest first: the pick box, equipment, organisation, recipe, start (the lab's zone) and duration.
    const cellTexts = await page.locator('[data-role=compare-runs] tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(cellTexts).toEqual([
      ['', 'Test reactor-w', 'Org beta', '—', '11/23/2026, 10:00', '0 h 10 min'],
      ['', 'Test reactor-w', 'Org acme', '—', '11/23/2026, 09:30', '0 h 10 min'],
      ['', 'Test reactor-w', 'Org acme', '—', '11/23/2026, 09:00', '0 h 10 min'],
    ]);
    for (const id of runs) await page.check(`tr[data-run="${id}"] input[name=run]`);
    expect(await page.isChecked('[data-role=compare-parameters] input[value=temperature]')).toBe(true);
    await page.selectOption('select[name=align]', 'phase');
    await page.click('#compare-go');
    await page.locator('table[data-role=compare-stats] tbody tr').nth(1).waitFor();
    await page.waitForSelector('[data-role=compare-result] .chart canvas');
    expect(await page.locator('[data-role=compare-legend] li').count()).toBe(2);
    const rows = page.locator('table[data-role=compare-stats] tbody tr');
    expect(await rows.nth(0).getAttribute('data-run')).toBe(runs[0]);
    // Both runs heat at offset 0 with the same slope: 2 °C apart before, 2 °C apart after; Δ max = (22+30+35.9) − (20+30+47.9).
    expect(await rows.nth(1).locator('td').nth(7).textContent()).toBe('-10.00');
    await screenshot(page, 'compare');
    await page.context().close();
  });

  it('shows a customer only its own runs to pick from, in the customer\'s language', async () => {
    // A Chinese browser: the first sign-in keeps zh-CN as the customer's language.
    const page = await (await chrome.newContext({ baseURL: s.api.url, viewport: { width: 1280, height: 800 }, locale: 'zh-CN', timezoneId: 'UTC' })).newPage();
    await login(page, customer.email, 'correct horse battery');
    await page.goto('/#/compare');
    await page.locator(`tr[data-run="${runs[0]}"]`).waitFor();
    const shown = await page.locator('[data-role=compare-runs] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run')));
    expect(shown.sort()).toEqual([...runs].sort());
    expect(await page.locator('select[name=org]').count()).toBe(0);
    expect(await page.locator('h1').textContent()).toBe(t('zh-CN', 'compare.title'));
    await page.check(`tr[data-run="${runs[1]}"] input[name=run]`);
    await page.click('#compare-go');
    await page.locator('table[data-role=compare-stats] tbody tr').first().waitFor();
    expect(await page.locator('table[data-role=compare-stats] th').first().textContent()).toBe(t('zh-CN', 'compare.parameters'));
    await screenshot(page, 'zh-CN-compare');
    await page.context().close();
  });
});
