import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, login, newPage, screenshot } from './helpers/browser.js';
import { apiCaller, dryerRegistered, fullStack, type ApiCall } from './helpers/stack.js';
import { DAY, HOUR, nextWeekMonday } from './helpers/weeks.js';

type Stack = Awaited<ReturnType<typeof fullStack>>;

const PASSWORD = 'correct horse battery';
const local = (t: number) => new Date(t).toISOString().slice(0, 16);

/** A booking round trip with a conflict, the approval queue and tenancy, in chromium against the real hub. */
describe('web dashboard: booking calendar', () => {
  let stack: Stack;
  let chrome: Browser;
  const tuesday = nextWeekMonday() + DAY;

  let api: ApiCall;
  const user = async (email: string, role: string, orgId: string) => {
    await api('POST', '/api/v1/users', { email, name: email.split('@')[0], role, orgId, password: PASSWORD });
    return (await api<{ token: string }>('POST', '/api/v1/auth/login', { email, password: PASSWORD })).token;
  };

  beforeAll(async () => {
    [stack, chrome] = await Promise.all([fullStack(), browser()]);
    api = apiCaller(stack.api);
    await dryerRegistered(stack.api);
    await api('PATCH', '/api/v1/equipment/dryer-1', { bookable: true, cleaningBufferMin: 30 });
    await api('POST', '/api/v1/orgs', { id: 'acme', name: 'Acme Foods' });
    await api('POST', '/api/v1/orgs', { id: 'beta', name: 'Beta Pharma' });
    await user('eng@pilothub.test', 'engineer', 'operator');
    await user('ann@acme.test', 'customer', 'acme');
    const beta = await user('bob@beta.test', 'customer', 'beta');
    await api('POST', '/api/v1/bookings', { equipmentId: 'dryer-1', startsAt: new Date(tuesday + 10 * HOUR).toISOString(), endsAt: new Date(tuesday + 12 * HOUR).toISOString(), purpose: 'Secret beta trial' }, beta);
  });

  let customer: Page;
  afterAll(() => customer?.context().close());

  it("shows a customer another organisation's booking only as busy, without its details", async () => {
    customer = await newPage(chrome, stack.api.url);
    const answers: string[] = [];
    customer.on('response', async (r) => { if (r.url().includes('/api/v1/bookings')) answers.push(await r.text()); });
    await login(customer, 'ann@acme.test', PASSWORD);
    await customer.goto('/#/calendar/dryer-1');
    await customer.click('button[aria-label="next week"]');
    const slot = customer.locator('.slot[data-booking="busy"]');
    await slot.waitFor();
    expect(await slot.textContent()).toBe('busy');
    const text = await customer.locator('main').textContent();
    expect(text).not.toContain('Secret beta trial');
    expect(text).not.toContain('Beta Pharma');
    expect(answers.join('\n')).not.toContain('Secret beta trial');
    await screenshot(customer, 'calendar-customer');
  });

  it('names the conflict before submitting, shows the API 409 next to the form and keeps the input', async () => {
    await customer.fill('#booking-form input[name=startsAt]', local(tuesday + 11 * HOUR));
    await customer.fill('#booking-form input[name=endsAt]', local(tuesday + 13 * HOUR));
    await customer.fill('#booking-form input[name=purpose]', 'Acme milk powder trial');
    const conflict = customer.locator('[data-role=conflict]');
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain('busy');

    await customer.click('#booking-form button[type=submit]');
    const error = customer.locator('#booking-form .form-error');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toMatch(/^409: /);
    expect(await customer.inputValue('#booking-form input[name=purpose]')).toBe('Acme milk powder trial');
    expect(await customer.inputValue('#booking-form input[name=startsAt]')).toBe(local(tuesday + 11 * HOUR));
    await screenshot(customer, 'calendar-conflict');

    // Free on the grid but inside beta's 30 min cleaning buffer (beta ends 12:00): the API would refuse it, so the form says so first.
    await customer.fill('#booking-form input[name=startsAt]', local(tuesday + 12.25 * HOUR));
    await customer.fill('#booking-form input[name=endsAt]', local(tuesday + 13 * HOUR));
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain('30 min cleaning buffer');

    await customer.fill('#booking-form input[name=startsAt]', local(tuesday + 13 * HOUR));
    await customer.fill('#booking-form input[name=endsAt]', local(tuesday + 15 * HOUR));
    expect(await conflict.count()).toBe(0);
    await customer.click('#booking-form button[type=submit]');
    await customer.locator('[data-role=booked]').waitFor();
    expect(await customer.locator('[data-role=booked]').textContent()).toContain('requested');
    expect(await customer.locator('#booking-form .form-error').textContent()).toBe('');
    const mine = customer.locator('[data-role=my-bookings] tbody tr');
    await expect.poll(() => mine.count()).toBe(1);
    expect(await mine.first().textContent()).toContain('2 h 00 min');
  });

  it('lets an engineer approve the request, after which the customer sees it approved', async () => {
    const engineer = await newPage(chrome, stack.api.url);
    await login(engineer, 'eng@pilothub.test', PASSWORD);
    await engineer.goto('/#/calendar/dryer-1');
    const row = engineer.locator('[data-role=approvals] tbody tr', { hasText: 'Acme Foods' });
    await row.waitFor();
    await screenshot(engineer, 'calendar-approvals');
    // Rejecting without a reason is refused by the API; its field message appears next to the reason input.
    await row.locator('[data-action=reject]').click();
    await row.locator('.field-error[data-field=reason]').waitFor();
    await row.locator('[data-action=approve]').click();
    await expect.poll(() => engineer.locator('[data-role=approvals] tbody tr', { hasText: 'Acme Foods' }).count()).toBe(0);
    expect(await engineer.locator('[data-role=approvals] tbody tr', { hasText: 'Beta Pharma' }).count()).toBe(1);
    await engineer.click('button[aria-label="next week"]');
    await expect.poll(() => engineer.locator('.slot.status-approved').textContent()).toContain('Acme Foods');
    await engineer.context().close();

    await customer.reload();
    await expect.poll(() => customer.locator('[data-role=my-bookings] tbody tr').first().textContent()).toContain('approved');
  });
});
