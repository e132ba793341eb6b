import { beforeAll, describe, expect, it } from 'vitest';
import { raiseAlarm } from '../api/alarms/store.js';
import { openDatabase } from '../api/db/index.js';
import { writeTransaction } from '../common/runtime/sqlite.js';
import { HOUR, sharingStack } from './sharing-fixture.js';

interface AlarmBody { id: string; orgId: string | null; active: boolean; closedAt: number | null; detail: Record<string, unknown> }

/**
 * An equipment alarm still active when the next firm's booking begins (tenancy review): the previous firm keeps its
 * record, closed, and is told nothing more; the next firm gets the alarm as its own, active.
 */
describe('alarm hand-over between organisations', () => {
  let s: Awaited<ReturnType<typeof sharingStack>>;
  const tokens = { acme: '', globex: '' };
  let start = 0;

  beforeAll(async () => {
    s = await sharingStack({ alarms: { tickMs: 100 } });
    await s.org('acme');
    await s.org('globex');
    await s.announce('press-1', [{ id: 'pressure', name: 'Pressure', unit: 'bar', datatype: 'number' }]);
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/press-1', { bookable: true, autoApproveAll: true });
    tokens.acme = (await s.user('customer', 'acme')).token;
    tokens.globex = (await s.user('customer', 'globex')).token;
    start = s.clock.now() + HOUR;
    await s.ok(tokens.acme, 'POST', '/api/v1/bookings', { equipmentId: 'press-1', startsAt: s.iso(start), endsAt: s.iso(start + HOUR), purpose: 'acme trial' });
    await s.ok(tokens.globex, 'POST', '/api/v1/bookings', { equipmentId: 'press-1', startsAt: s.iso(start + HOUR), endsAt: s.iso(start + 2 * HOUR), purpose: 'globex trial' });
  });

  const open = async (token: string) => (await s.ok<{ items: AlarmBody[] }>(token, 'GET', '/api/v1/alarms?state=open&equipment=press-1')).items.filter((a) => a.detail.probe === 'hand-over');

  it('closes the alarm for the firm whose booking ended and raises it for the next, who alone sees it open', async () => {
    s.clock.set(start + HOUR / 4);
    // Raised during acme's booking, as the engine would raise an equipment alarm (its condition never clears here).
    const db = openDatabase(s.dbFile);
    const raised = writeTransaction(db, () => raiseAlarm(db, {
      key: 'equipment|press-1|hand-over', source: 'equipment', equipmentId: 'press-1', parameter: 'pressure', severity: 'high', delayMs: 0,
      detail: { probe: 'hand-over' },
    }, s.clock.now()))!.alarm;
    db.close();
    expect(raised.orgId).toBe('acme');
    await new Promise((r) => setTimeout(r, 500));
    // Still acme's booking: nothing is handed over.
    expect((await open(tokens.acme)).map((a) => a.id)).toEqual([raised.id]);
    expect(await open(tokens.globex)).toEqual([]);

    s.clock.set(start + HOUR + HOUR / 4);
    await expect.poll(async () => (await open(tokens.globex)).length, { timeout: 10_000 }).toBe(1);
    const [handed] = await open(tokens.globex);
    expect(handed).toMatchObject({ orgId: 'globex', active: true, closedAt: null });
    expect(handed!.id).not.toBe(raised.id);
    expect(await open(tokens.acme)).toEqual([]);
    // acme keeps its own record, closed at the hand-over; globex cannot read it.
    const old = await s.ok<AlarmBody>(tokens.acme, 'GET', `/api/v1/alarms/${raised.id}`);
    expect(old.closedAt).toBe(start + HOUR + HOUR / 4);
    expect((await s.call(tokens.globex, 'GET', `/api/v1/alarms/${raised.id}`)).status).toBe(404);
  });
});
