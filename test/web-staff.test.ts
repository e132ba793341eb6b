import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, login, newPage, screenshot } from './helpers/browser.js';
import { TEST_ADMIN } from './helpers/servers.js';
import { dryerRegistered, fullStack } from './helpers/stack.js';

type Stack = Awaited<ReturnType<typeof fullStack>>;
const PASSWORD = 'correct horse battery';
/** A `datetime-local` value in UTC (the test's lab zone and browser zone). */
const localInput = (at: number) => new Date(at).toISOString().slice(0, 16);

/** Issue 15: staff run the platform from the dashboard, against the real hub and the running spray-dryer simulator. */
describe('web dashboard: staff pages', () => {
  let stack: Stack;
  let chrome: Browser;
  let page: Page;

  const api = async <T>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T }> => {
    const res = await stack.api.fetch(path, { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: await res.json() as T };
  };

  beforeAll(async () => {
    [stack, chrome] = await Promise.all([fullStack(), browser()]);
    await dryerRegistered(stack.api);
    page = await newPage(chrome, stack.api.url);
    await login(page, TEST_ADMIN.email, TEST_ADMIN.password);
  }, 120_000);
  afterAll(() => page?.context().close());

  it('edits the profile: bookable, and a run condition previewed against the running dryer before it is saved', async () => {
    await page.goto('/#/equipment/dryer-1');
    await page.click('[data-role=edit-profile]');
    const form = page.locator('#profile-form');
    await form.waitFor();
    expect(await form.locator('input[name=bookable]').isChecked()).toBe(false);
    await form.locator('input[name=bookable]').check();
    const condition = form.locator('input[name=runCondition]');
    const preview = form.locator('[data-role=preview-runCondition]');
    // The simulator runs with inlet air near 180 °C: the preview reads its values now.
    await condition.fill('running == true && inlet_temp > 100');
    await expect.poll(() => preview.getAttribute('data-value'), { timeout: 15_000 }).toBe('true');
    expect(await preview.textContent()).toContain('inlet_temp');
    await condition.fill('inlet_temp > 5000');
    await expect.poll(() => preview.getAttribute('data-value')).toBe('false');
    await condition.fill('inlet_temp > > 100');
    await expect.poll(() => preview.getAttribute('data-value')).toBe('error');
    expect(await preview.textContent()).toContain('position 14');
    await condition.fill('running == true && inlet_temp > 100');
    await expect.poll(() => preview.getAttribute('data-value')).toBe('true');
    // A bad value comes back as a field error next to its input; what was typed stays.
    await form.locator('input[name=maxBookingMin]').fill('0');
    await form.locator('button[type=submit]').click();
    await form.locator('.field-error[data-field=maxBookingMin]').waitFor();
    expect(await condition.inputValue()).toBe('running == true && inlet_temp > 100');
    await form.locator('input[name=maxBookingMin]').fill('480');
    await form.locator('button[type=submit]').click();
    await form.locator('[data-role=saved]').waitFor();
    await screenshot(page, 'staff-profile');
    const saved = (await api<{ profile: { bookable: boolean; runCondition: string; maxBookingMin: number } }>('GET', '/api/v1/equipment/dryer-1')).body.profile;
    expect(saved).toMatchObject({ bookable: true, runCondition: 'running == true && inlet_temp > 100', maxBookingMin: 480 });
  });

  it('chooses the key parameters the board shows, in the order ticked', async () => {
    const form = page.locator('#profile-form');
    await form.locator('input[name=keyParameters][value=outlet_temp]').check();
    await form.locator('input[name=keyParameters][value=inlet_temp]').check();
    await form.locator('button[type=submit]').click();
    await expect.poll(async () => (await api<{ profile: { keyParameters: string[] | null } }>('GET', '/api/v1/equipment/dryer-1')).body.profile.keyParameters)
      .toEqual(['outlet_temp', 'inlet_temp']);
    await page.goto('/#/board');
    const card = page.locator('[data-equipment="dryer-1"]');
    await expect.poll(() => card.locator('dd').evaluateAll((dds) => dds.map((d) => d.getAttribute('data-parameter')))).toEqual(['outlet_temp', 'inlet_temp']);
    await page.goto('/#/equipment/dryer-1');
    await page.click('[data-role=edit-profile]');
    await page.locator('#profile-form').waitFor();
  });

  it('sets spec limits and plans a maintenance window from the profile page', async () => {
    const limits = page.locator('[data-role=add-spec-limit]');
    await limits.locator('select[name=parameter]').selectOption('inlet_temp');
    await limits.locator('input[name=low]').fill('170');
    await limits.locator('input[name=high]').fill('150');
    await limits.locator('button[type=submit]').click();
    await limits.locator('.field-error[data-field=low]').waitFor();
    await limits.locator('input[name=high]').fill('190');
    await limits.locator('button[type=submit]').click();
    await page.locator('[data-role=spec-limits] tr[data-parameter=inlet_temp]').waitFor();
    const windowStart = Date.UTC(2030, 0, 7, 8, 0);
    const maintenance = page.locator('[data-role=add-maintenance]');
    await maintenance.locator('input[name=startsAt]').fill(localInput(windowStart));
    await maintenance.locator('input[name=endsAt]').fill(localInput(windowStart + 4 * 3_600_000));
    await maintenance.locator('input[name=reason]').fill('Nozzle replacement');
    await maintenance.locator('button[type=submit]').click();
    await page.locator('[data-role=maintenance] li[data-maintenance]').waitFor();
    const windows = (await api<{ items: { startsAt: number; reason: string }[] }>('GET', '/api/v1/equipment/dryer-1/maintenance')).body.items;
    expect(windows).toEqual([expect.objectContaining({ startsAt: windowStart, reason: 'Nozzle replacement' })]);
    const specs = (await api<{ items: { parameter: string; low: number; high: number }[] }>('GET', '/api/v1/spec-limits?equipment=dryer-1')).body.items;
    expect(specs).toEqual([expect.objectContaining({ parameter: 'inlet_temp', low: 170, high: 190 })]);
  });

  it('opens a run by hand with its recipe, closes it, corrects its start and recipe with a note and amends its report', async () => {
    await page.goto('/#/runs');
    const panel = page.locator('[data-role=open-run]');
    await panel.locator('summary').click();
    await panel.locator('select[name=equipmentId]').selectOption('dryer-1');
    await panel.locator('input[name=note]').fill('opened by hand');
    await panel.locator('input[name=recipe]').fill('SD-7');
    await panel.locator('button[type=submit]').click();
    const row = page.locator('tr[data-run]').first();
    await row.locator('[data-action=close-run]').waitFor();
    expect(await row.locator('[data-role=recipe]').textContent()).toBe('SD-7');
    const runId = (await row.getAttribute('data-run'))!;
    await row.locator('[data-action=close-run]').click();
    await row.locator('[data-role=close-run] button[type=submit]').click();
    await row.locator('[data-action=correct-run]').waitFor();
    expect(await row.locator('[data-action=close-run]').count()).toBe(0);
    const closed = (await api<{ startedAt: number; endedAt: number | null }>('GET', `/api/v1/runs/${runId}`)).body;
    expect(closed.endedAt).not.toBeNull();
    // A correction needs a note: the API's field error shows next to it.
    await row.locator('[data-action=correct-run]').click();
    const correct = row.locator('[data-role=correct-run]');
    const earlier = closed.startedAt - 30 * 60_000;
    await correct.locator('input[name=startedAt]').fill(localInput(earlier));
    await correct.locator('button[type=submit]').click();
    await correct.locator('.field-error[data-field=note]').waitFor();
    await correct.locator('input[name=recipe]').fill('SD-8');
    await correct.locator('input[name=note]').fill('operator started the dryer before opening the run');
    await correct.locator('button[type=submit]').click();
    await row.locator('[data-role=note]', { hasText: 'operator started the dryer' }).waitFor();
    await screenshot(page, 'staff-runs');
    const corrected = (await api<{ startedAt: number; endedAt: number; note: string; recipe: string | null }>('GET', `/api/v1/runs/${runId}`)).body;
    expect(corrected.startedAt).toBe(Math.floor(earlier / 60_000) * 60_000);
    expect(corrected.endedAt).toBe(closed.endedAt);
    expect(corrected.recipe).toBe('SD-8');
    expect(await row.locator('[data-role=recipe]').textContent()).toBe('SD-8');

    // Its report, issued without naming a recipe (the run's applies), amended from the report page with a reason:
    // a second version that names the first.
    const first = (await api<{ id: string }>('POST', '/api/v1/reports', { runId, method: 'SD-8' })).body;
    expect((await api<{ recipe: string | null }>('GET', `/api/v1/reports/${first.id}`)).body.recipe).toBe('SD-8');
    await page.goto(`/#/reports/${first.id}`);
    const amend = page.locator('[data-role=amend-report]');
    await amend.locator('summary').click();
    await amend.locator('button[type=submit]').click();
    await amend.locator('.field-error[data-field=reason]').waitFor();
    await amend.locator('textarea[name=reason]').fill('run start corrected after the operator log');
    await amend.locator('button[type=submit]').click();
    await page.waitForURL((url) => !url.hash.endsWith(first.id));
    const reports = (await api<{ items: { id: string; previousId: string | null; version: number }[] }>('GET', `/api/v1/reports?runId=${runId}`)).body.items;
    expect(reports.find((r) => r.previousId === first.id)?.version).toBe(2);
  }, 120_000);

  it('creates an organisation, users with roles, and grants a qualification', async () => {
    // Straight after the amendment navigated to its report: that slower page must not replace this one when it loads.
    await page.goto('/#/staff');
    await page.click('a[href="#/staff/orgs"]');
    const orgForm = page.locator('#org-form');
    await orgForm.locator('input[name=id]').fill('acme');
    await orgForm.locator('input[name=name]').fill('Acme Pilot Foods');
    await orgForm.locator('select[name=reportLanguage]').selectOption('zh-CN');
    await orgForm.locator('button[type=submit]').click();
    await page.locator('table[data-role=orgs] tr[data-org=acme]').waitFor();
    expect(await page.locator('tr[data-org=acme] select[name=reportLanguage]').inputValue()).toBe('zh-CN');

    await page.goto('/#/staff/qualifications');
    const qForm = page.locator('#qualification-form');
    await qForm.locator('input[name=id]').fill('dryer-operator');
    await qForm.locator('input[name=name]').fill('Spray dryer operator');
    await qForm.locator('button[type=submit]').click();
    await page.locator('tr[data-qualification=dryer-operator]').waitFor();

    await page.goto('/#/staff/users');
    const userForm = page.locator('#user-form');
    await userForm.locator('input[name=email]').fill('wang@acme.test');
    await userForm.locator('input[name=name]').fill('Wang');
    await userForm.locator('select[name=orgId]').selectOption('acme');
    // Staff roles belong to the operator: the API names the role field.
    await userForm.locator('select[name=role]').selectOption('engineer');
    await userForm.locator('input[name=password]').fill(PASSWORD);
    await userForm.locator('button[type=submit]').click();
    await userForm.locator('.field-error[data-field=role]').waitFor();
    await userForm.locator('select[name=role]').selectOption('customer');
    await userForm.locator('button[type=submit]').click();
    const wang = page.locator('tr[data-user="wang@acme.test"]');
    await wang.waitFor();
    // Each row's role is the user's; the emptied form starts again at customer, not at the first role listed.
    expect(await wang.locator('select[name=role]').inputValue()).toBe('customer');
    expect(await userForm.locator('select[name=role]').inputValue()).toBe('customer');
    await wang.locator('select[name=role]').selectOption('viewer');
    await wang.locator('[data-action=save-user]').click();
    await expect.poll(async () => (await api<{ items: { email: string; role: string }[] }>('GET', '/api/v1/users')).body.items.find((u) => u.email === 'wang@acme.test')?.role).toBe('viewer');
    await wang.locator('select[name=role]').selectOption('customer');
    await wang.locator('[data-action=save-user]').click();
    await expect.poll(async () => (await api<{ items: { email: string; role: string }[] }>('GET', '/api/v1/users')).body.items.find((u) => u.email === 'wang@acme.test')?.role).toBe('customer');
    await wang.locator('button[data-action=grant]').click();
    await wang.locator('li[data-qualification=dryer-operator][data-state=valid]').waitFor();
    // Ending a user's sessions: a token Wang holds stops working.
    const session = (await api<{ token: string }>('POST', '/api/v1/auth/login', { email: 'wang@acme.test', password: PASSWORD })).body.token;
    expect((await api('GET', '/api/v1/auth/me', undefined, session)).status).toBe(200);
    await wang.locator('[data-action=revoke-tokens]').click();
    await wang.locator('[data-role=tokens-revoked]').waitFor();
    expect((await api('GET', '/api/v1/auth/me', undefined, session)).status).toBe(401);
    await screenshot(page, 'staff-users');
    const users = (await api<{ items: { id: string; email: string; role: string; orgId: string }[] }>('GET', '/api/v1/users')).body.items;
    const created = users.find((u) => u.email === 'wang@acme.test')!;
    expect(created).toMatchObject({ role: 'customer', orgId: 'acme' });
    expect((await api<{ items: { qualificationId: string }[] }>('GET', `/api/v1/users/${created.id}/qualifications`)).body.items.map((q) => q.qualificationId)).toEqual(['dryer-operator']);
  });

  it('creates an API key, shown once and working, then revokes it', async () => {
    await page.goto('/#/staff/api-keys');
    const form = page.locator('#api-key-form');
    await form.locator('input[name=name]').fill('LIMS export');
    await form.locator('button[type=submit]').click();
    const key = (await page.locator('[data-role=new-key] code').textContent())!;
    expect((await api('GET', '/api/v1/auth/me', undefined, key)).status).toBe(200);
    const row = page.locator('table[data-role=api-keys] tr', { hasText: 'LIMS export' });
    await row.locator('[data-action=revoke]').click();
    await page.locator('table[data-role=api-keys] tr[data-revoked=true]', { hasText: 'LIMS export' }).waitFor();
    expect((await api('GET', '/api/v1/auth/me', undefined, key)).status).toBe(401);
  });

  it('cancels a booking with a reason, and finds the profile change in the audit log', async () => {
    // 10:00-11:00 UTC two days ahead: one UTC day whatever the time of the run (dryer-1 allows no multi-day bookings).
    const startsAt = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 2 * 86_400_000 + 10 * 3_600_000;
    const booking = (await api<{ id: string }>('POST', '/api/v1/bookings', { equipmentId: 'dryer-1', startsAt: new Date(startsAt).toISOString(), endsAt: new Date(startsAt + 3_600_000).toISOString(), purpose: 'trial' })).body;
    await page.goto('/#/staff');
    await page.click('a[href="#/staff/bookings"]');
    const row = page.locator(`tr[data-booking="${booking.id}"]`);
    await row.locator('[data-action=cancel]').click();
    await row.locator('.field-error[data-field=reason]').waitFor();
    await row.locator('input[name=reason]').fill('nozzle replacement moved forward');
    await row.locator('[data-action=cancel]').click();
    await expect.poll(() => row.count()).toBe(0);
    expect((await api<{ status: string; cancelReason: string }>('GET', `/api/v1/bookings/${booking.id}`)).body).toMatchObject({ status: 'cancelled', cancelReason: 'nozzle replacement moved forward' });

    await page.goto('/#/staff/audit');
    const filter = page.locator('[data-role=audit-filter]');
    await filter.locator('input[name=action]').fill('equipment.update');
    await filter.locator('button[type=submit]').click();
    const entry = page.locator('table[data-role=audit] tr[data-action="equipment.update"]', { hasText: 'bookable: false → true' });
    await entry.waitFor();
    // The unfiltered list holds that entry too: wait for the filtered answer to replace it.
    await expect.poll(() => page.locator('table[data-role=audit] tbody tr:not([data-action="equipment.update"])').count()).toBe(0);
  });

  it('shows an engineer the profile read-only while they set spec limits', async () => {
    await api('POST', '/api/v1/users', { email: 'li@pilothub.test', name: 'Li', role: 'engineer', orgId: 'operator', password: PASSWORD });
    const engineer = await newPage(chrome, stack.api.url);
    await login(engineer, 'li@pilothub.test', PASSWORD);
    await engineer.goto('/#/staff/equipment/dryer-1');
    await engineer.locator('[data-role=read-only]').waitFor();
    expect(await engineer.locator('#profile-form input[name=bookable]').isDisabled()).toBe(true);
    expect(await engineer.locator('#profile-form button[type=submit]').count()).toBe(0);
    const limits = engineer.locator('[data-role=add-spec-limit]');
    await limits.locator('select[name=parameter]').selectOption('outlet_temp');
    await limits.locator('input[name=high]').fill('95');
    await limits.locator('button[type=submit]').click();
    await engineer.locator('[data-role=spec-limits] tr[data-parameter=outlet_temp]').waitFor();
    await engineer.context().close();
  });

  it('keeps customers out: no link, the pages refuse, and so does the API', async () => {
    const customer = await newPage(chrome, stack.api.url);
    await login(customer, 'wang@acme.test', PASSWORD);
    expect(await customer.locator('#top a[href="#/staff"]').count()).toBe(0);
    for (const path of ['/staff', '/staff/equipment/dryer-1', '/staff/orgs', '/staff/users', '/staff/qualifications', '/staff/api-keys', '/staff/bookings', '/staff/audit']) {
      await customer.goto(`/#${path}`);
      await expect.poll(() => customer.locator('main .error-box').textContent()).toContain('operator staff');
      expect(await customer.locator('form').count()).toBe(0);
    }
    await customer.goto('/#/runs');
    await customer.locator('h1').waitFor();
    expect(await customer.locator('[data-role=open-run], [data-action=close-run], [data-action=correct-run]').count()).toBe(0);
    await customer.goto('/#/equipment/dryer-1');
    await customer.locator('[data-role=calibration]').waitFor();
    expect(await customer.locator('[data-role=edit-profile]').count()).toBe(0);
    const token = await customer.evaluate(() => localStorage.getItem('pilothub.token'));
    expect((await api('POST', '/api/v1/orgs', { id: 'evil', name: 'Evil' }, token!)).status).toBe(403);
    expect((await api('PATCH', '/api/v1/equipment/dryer-1', { bookable: false }, token!)).status).toBe(403);
    expect((await api('POST', '/api/v1/equipment/dryer-1/condition-preview', { condition: 'running == true' }, token!)).status).toBe(403);
    await customer.context().close();
  });
});
