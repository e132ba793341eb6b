import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, login, newPage } from './helpers/browser.js';
import { apiCaller, dryerRegistered, fullStack, type ApiCall } from './helpers/stack.js';
import { DAY, HOUR, nextWeekMonday } from './helpers/weeks.js';

type Stack = Awaited<ReturnType<typeof fullStack>>;

const PASSWORD = 'correct horse battery';

/** What a customer does with its own bookings in the dashboard: cancel one with a reason, and subscribe a calendar. */
describe('web dashboard: a customer cancels its booking and subscribes its calendar program', () => {
  let stack: Stack;
  let chrome: Browser;
  let page: Page;
  const wednesday = nextWeekMonday() + 2 * DAY;
  const bookings: Record<string, string> = {};

  let api: ApiCall;

  beforeAll(async () => {
    [stack, chrome] = await Promise.all([fullStack(), browser()]);
    api = apiCaller(stack.api);
    await dryerRegistered(stack.api);
    await api('PATCH', '/api/v1/equipment/dryer-1', { bookable: true });
    await api('POST', '/api/v1/orgs', { id: 'acme', name: 'Acme Foods' });
    await api('POST', '/api/v1/users', { email: 'ann@acme.test', name: 'ann', role: 'customer', orgId: 'acme', password: PASSWORD });
    const ann = (await api<{ token: string }>('POST', '/api/v1/auth/login', { email: 'ann@acme.test', password: PASSWORD })).token;
    for (const [name, hour] of [['dropped', 9], ['kept', 14]] as const) {
      const b = await api<{ id: string }>('POST', '/api/v1/bookings', { equipmentId: 'dryer-1', startsAt: new Date(wednesday + hour * HOUR).toISOString(), endsAt: new Date(wednesday + (hour + 2) * HOUR).toISOString(), purpose: `Acme ${name} trial` }, ann);
      bookings[name] = b.id;
    }
    page = await newPage(chrome, stack.api.url);
    await login(page, 'ann@acme.test', PASSWORD);
    await page.goto('/#/calendar/dryer-1');
  });
  afterAll(() => page?.context().close());

  it('cancels a booking that has not started with the reason given; its slot leaves the calendar and the audit log names who and why', async () => {
    await page.click('button[aria-label="next week"]');
    await page.locator(`.slot[data-booking="${bookings.dropped}"]`).waitFor();
    const row = page.locator(`[data-role=my-bookings] tr[data-booking="${bookings.dropped}"]`);
    // A cancel without a reason is not sent: the reason is required.
    await row.locator('[data-role=cancel] button').click();
    expect(await row.locator('input[name=reason]').evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).toBe(true);
    await row.locator('input[name=reason]').fill('Raw material late');
    await row.locator('[data-role=cancel] button').click();
    await page.locator(`[data-role=my-bookings] tr[data-booking="${bookings.dropped}"] [data-role=cancel]`).waitFor({ state: 'detached' });
    expect(await page.locator(`[data-role=my-bookings] tr[data-booking="${bookings.dropped}"]`).textContent()).toContain('cancelled');
    await page.locator(`.slot[data-booking="${bookings.dropped}"]`).waitFor({ state: 'detached' });
    expect(await page.locator(`.slot[data-booking="${bookings.kept}"]`).count()).toBe(1);

    const stored = await api<{ status: string; cancelReason: string }>('GET', `/api/v1/bookings/${bookings.dropped}`);
    expect(stored).toMatchObject({ status: 'cancelled', cancelReason: 'Raw material late' });
    const audit = await api<{ items: { action: string; entityId: string }[] }>('GET', `/api/v1/audit?entity=booking&entityId=${bookings.dropped}`);
    expect(audit.items.map((e) => e.action)).toContain('booking.cancel');
  });

  it('makes a secret calendar link shown once, which serves the bookings one made until revoked', async () => {
    await page.click('[data-action=feed-mine]');
    const url = await page.locator('[data-role=feed-url] input[data-role=url]').inputValue();
    expect(url).toMatch(/\/api\/v1\/ical\/.+\.ics$/);
    const feed = await fetch(url);
    expect(feed.headers.get('content-type')).toContain('text/calendar');
    const ics = await feed.text();
    expect(ics).toContain('Acme kept trial');
    expect(ics).not.toContain('Acme dropped trial');

    const row = page.locator('[data-role=calendar-feeds] tr[data-feed]');
    expect(await row.count()).toBe(1);
    await row.locator('[data-action=revoke]').click();
    await page.locator('[data-role=calendar-feeds] .empty').waitFor();
    expect((await fetch(url)).status).toBe(404);
  });
});
