import { beforeAll, describe, expect, it } from 'vitest';
import { raiseAlarm } from '../api/alarms/store.js';
import { openDatabase } from '../api/db/index.js';
import { readingToLine } from '../common/influx/layout.js';
import { writeTransaction } from '../common/runtime/sqlite.js';
import { HOUR, SITE, sharingStack } from './sharing-fixture.js';

/**
 * A run corrected onto another organisation's booking (tenancy review): reports are immutable and seen by the
 * organisation they were issued to, so a reported run cannot move; an unreported run takes its alarms along.
 */
describe('moving a run to another organisation', () => {
  let s: Awaited<ReturnType<typeof sharingStack>>;
  const T0 = Date.UTC(2026, 10, 24, 0, 0, 0);
  const tokens = { acme: '', globex: '' };
  const bookings = { acme: '', globex: '' };

  beforeAll(async () => {
    s = await sharingStack();
    await s.org('acme');
    await s.org('globex');
    await s.announce('press-1', [{ id: 'pressure', name: 'Pressure', unit: 'bar', datatype: 'number' }]);
    await s.influx.client.write(readingToLine({ site: SITE, equipment: 'press-1', gateway: 'gw-s' }, { p: 'pressure', v: 42.5, t: T0 + 10.25 * HOUR }));
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/press-1', { bookable: true, autoApproveAll: true });
    tokens.acme = (await s.user('customer', 'acme')).token;
    tokens.globex = (await s.user('customer', 'globex')).token;
    bookings.acme = (await s.ok<{ id: string }>(tokens.acme, 'POST', '/api/v1/bookings', { equipmentId: 'press-1', startsAt: s.iso(T0 + 10 * HOUR), endsAt: s.iso(T0 + 11 * HOUR), purpose: 'acme trial' })).id;
    bookings.globex = (await s.ok<{ id: string }>(tokens.globex, 'POST', '/api/v1/bookings', { equipmentId: 'press-1', startsAt: s.iso(T0 + 11 * HOUR), endsAt: s.iso(T0 + 12 * HOUR), purpose: 'globex trial' })).id;
  });

  const closedRun = async (from: number, to: number) => {
    const run = await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/runs', { equipmentId: 'press-1', bookingId: bookings.acme, startedAt: s.iso(from) });
    await s.ok(s.admin, 'POST', `/api/v1/runs/${run.id}/close`, { endedAt: s.iso(to) });
    return run.id;
  };

  // First in the file: the first report starts Chromium, so the issue takes seconds and the correction lands inside it.
  it('never issues a report for the organisation a run was moved away from while the report was being made', async () => {
    const runId = await closedRun(T0 + 9 * HOUR, T0 + 9.5 * HOUR);
    const issuing = s.call<{ code?: string; orgId?: string }>(s.admin, 'POST', '/api/v1/reports', { runId, method: 'trial' });
    await new Promise((r) => setTimeout(r, 200));
    const moved = await s.call(s.admin, 'PATCH', `/api/v1/runs/${runId}`, { bookingId: bookings.globex, note: 'wrong booking' });
    const report = await issuing;
    // Either the correction came first and the report refused, or the report came first and the correction refused.
    if (moved.status === 200) {
      expect([report.status, report.body.code]).toEqual([409, 'run_changed']);
      expect((await s.ok<{ items: unknown[] }>(s.admin, 'GET', `/api/v1/reports?runId=${runId}`)).items).toEqual([]);
    } else {
      expect([moved.status, report.status]).toEqual([409, 201]);
    }
  });

  it('refuses to give a reported run to another organisation, naming the reports, and leaves the run as it was', async () => {
    const runId = await closedRun(T0 + 10 * HOUR, T0 + 10.5 * HOUR);
    const report = await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/reports', { runId, method: 'trial' });
    const moved = await s.call(s.admin, 'PATCH', `/api/v1/runs/${runId}`, { bookingId: bookings.globex, note: 'wrong booking' });
    expect(moved.status).toBe(409);
    expect((moved.body as { message: string }).message).toMatch(/1 report\(s\) issued to organisation "acme"/);
    expect((await s.ok<{ orgId: string }>(s.admin, 'GET', `/api/v1/runs/${runId}`)).orgId).toBe('acme');
    expect((await s.call(tokens.acme, 'GET', `/api/v1/reports/${report.id}`)).status).toBe(200);
    expect((await s.call(tokens.globex, 'GET', `/api/v1/runs/${runId}`)).status).toBe(404);
    // Correcting what does not change the organisation still works.
    expect((await s.call(s.admin, 'PATCH', `/api/v1/runs/${runId}`, { bookingId: bookings.acme, note: 'same booking' })).status).toBe(200);
  });

  it('moves an unreported run with its alarms: the new organisation sees them, the old one no longer does', async () => {
    const runId = await closedRun(T0 + 10.5 * HOUR, T0 + 10.75 * HOUR);
    const db = openDatabase(s.dbFile);
    const alarm = writeTransaction(db, () => raiseAlarm(db, {
      key: `spec-limit|press-1|pressure|${runId}`, source: 'spec-limit', equipmentId: 'press-1', parameter: 'pressure', runId, severity: 'medium', delayMs: 0,
      detail: { value: 42.5, side: 'high' },
    }, T0 + 10.6 * HOUR))!.alarm;
    db.close();
    expect(alarm.orgId).toBe('acme');
    expect((await s.call(tokens.acme, 'GET', `/api/v1/alarms/${alarm.id}`)).status).toBe(200);
    const moved = await s.ok<{ orgId: string }>(s.admin, 'PATCH', `/api/v1/runs/${runId}`, { bookingId: bookings.globex, note: 'wrong booking' });
    expect(moved.orgId).toBe('globex');
    expect((await s.call(tokens.acme, 'GET', `/api/v1/alarms/${alarm.id}`)).status).toBe(404);
    expect((await s.call(tokens.globex, 'GET', `/api/v1/alarms/${alarm.id}`)).status).toBe(200);
  });
});
