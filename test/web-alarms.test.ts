import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../common/contracts/index.js';
import { browser, login, newPage, screenshot } from './helpers/browser.js';
import { TEST_ADMIN } from './helpers/servers.js';
import { SITE, sharingStack } from './sharing-fixture.js';

/** Acknowledging an alarm on the board, in Debian's chromium, against a real API fed through a real broker. */
describe('web: alarms on the board', () => {
  let s: Awaited<ReturnType<typeof sharingStack>>;
  let chrome: Browser;
  let page: Page;

  beforeAll(async () => {
    const offset = 0;
    [s, chrome] = await Promise.all([sharingStack({ clock: { now: () => Date.now() + offset, set: () => undefined, advance: () => undefined }, alarms: { tickMs: 200 } }), browser()]);
    const pub = await mqtt.connectAsync(s.broker.url);
    await pub.publishAsync(topics.status(SITE, 'gw-s'), JSON.stringify({ gateway: 'gw-s', state: 'online' }), { qos: 1, retain: true });
    await s.announce('kiln-2', [{ id: 'alarm', name: 'Common alarm', unit: '', datatype: 'boolean' }]);
    await pub.publishAsync(topics.data(SITE, 'kiln-2'), JSON.stringify({ gateway: 'gw-s', seq: 1, readings: [{ p: 'alarm', v: false, t: Date.now() }] }), { qos: 1 });
    page = await newPage(chrome, s.api.url);
    await login(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.waitForSelector('[data-role=alarms]');
    // Raised while the board is open: it arrives through the status stream, not a reload.
    await pub.publishAsync(topics.data(SITE, 'kiln-2'), JSON.stringify({ gateway: 'gw-s', seq: 2, readings: [{ p: 'alarm', v: true, t: Date.now() }] }), { qos: 1 });
    await pub.endAsync();
  });
  afterAll(() => page?.context().close());

  it('shows a raised alarm and records an acknowledgement with its comment', async () => {
    const alarm = page.locator('[data-role=alarms] .alarm[data-source=equipment]');
    await alarm.waitFor({ timeout: 20_000 });
    expect(await alarm.getAttribute('data-state')).toBe('active');
    expect(await alarm.textContent()).toContain('kiln-2');
    await screenshot(page, 'board-alarm');
    await alarm.locator('input[name=comment]').fill('operator reset the interlock');
    await alarm.locator('[data-role=acknowledge]').click();
    await expect.poll(() => alarm.getAttribute('data-state')).toBe('acknowledged');
    expect(await alarm.textContent()).toContain('operator reset the interlock');
    expect(await alarm.locator('[data-role=acknowledge]').count()).toBe(0);
    const id = await alarm.getAttribute('data-alarm');
    const audit = await s.ok<{ items: { action: string; actorEmail: string; after: { acknowledgeComment: string } }[] }>(s.admin, 'GET', `/api/v1/audit?entity=alarm&entityId=${id}`);
    expect(audit.items.find((e) => e.action === 'alarm.acknowledge')).toMatchObject({ actorEmail: TEST_ADMIN.email, after: { acknowledgeComment: 'operator reset the interlock' } });
  });
});
