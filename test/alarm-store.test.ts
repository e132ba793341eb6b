import { describe, expect, it } from 'vitest';
import { AlarmEngine } from '../api/alarms/engine.js';
import { clearAlarm, getAlarm, listAlarms, raiseAlarm } from '../api/alarms/store.js';
import { conditionKey, type AlarmCondition } from '../api/alarms/model.js';
import { openDatabase } from '../api/db/index.js';
import { EquipmentRegistry } from '../api/live/equipment-registry.js';
import { createLogger } from '../common/runtime/logger.js';
import { writeTransaction } from '../common/runtime/sqlite.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 23);

/** A database with a press booked by acme from 10:00 to 12:00 and by globex from 14:00 to 16:00. */
function bookedPress() {
  const db = openDatabase(':memory:');
  db.exec(`INSERT INTO orgs (id, name, kind, created_at) VALUES ('acme', 'Acme', 'customer', 0), ('globex', 'Globex', 'customer', 0)
    ON CONFLICT (id) DO NOTHING;
    INSERT INTO users (id, org_id, email, name, role, created_at) VALUES ('u-a', 'acme', 'a@x.test', 'A', 'customer', 0), ('u-g', 'globex', 'g@x.test', 'G', 'customer', 0);
    INSERT INTO equipment (id, name, created_at, updated_at) VALUES ('press-1', 'Press', 0, 0);`);
  const book = db.prepare("INSERT INTO bookings (id, equipment_id, org_id, user_id, starts_at, ends_at, status, created_at, updated_at) VALUES (?, 'press-1', ?, ?, ?, ?, 'approved', 0, 0)");
  book.run('b-a', 'acme', 'u-a', T0 + 10 * HOUR, T0 + 12 * HOUR);
  book.run('b-g', 'globex', 'u-g', T0 + 14 * HOUR, T0 + 16 * HOUR);
  return db;
}

const offline: AlarmCondition = { key: conditionKey('offline', 'press-1'), source: 'offline', equipmentId: 'press-1', severity: 'high', delayMs: 0, detail: { reason: 'probe' } };

describe('alarm store', () => {
  it('raises a condition that returns under another organisation\'s booking as a new alarm of theirs, leaving the old one with its own', () => {
    const db = bookedPress();
    const first = writeTransaction(db, () => raiseAlarm(db, offline, T0 + 10.5 * HOUR))!;
    expect(first.alarm.orgId).toBe('acme');
    writeTransaction(db, () => clearAlarm(db, offline.key, T0 + 11 * HOUR));
    // acme never acknowledged it; the same condition comes back during globex's booking.
    const again = writeTransaction(db, () => raiseAlarm(db, offline, T0 + 15 * HOUR))!;
    expect(again.transition).toBe('raised');
    expect(again.alarm.id).not.toBe(first.alarm.id);
    expect(again.alarm.orgId).toBe('globex');
    expect(getAlarm(db, first.alarm.id)).toMatchObject({ orgId: 'acme', active: false, detail: { reason: 'probe' } });
    // Back again within globex's booking: the same alarm returns.
    writeTransaction(db, () => clearAlarm(db, offline.key, T0 + 15.2 * HOUR));
    const returned = writeTransaction(db, () => raiseAlarm(db, offline, T0 + 15.5 * HOUR))!;
    expect([returned.transition, returned.alarm.id]).toEqual(['returned', again.alarm.id]);
    db.close();
  });

  it('starts an offline delay afresh after a blip that ended before it: a second short blip raises nothing', () => {
    const db = bookedPress();
    let now = T0 + 10 * HOUR;
    let offlineNow = false;
    const source = { kind: 'offline' as const, evaluate: () => (offlineNow ? [{ ...offline, delayMs: 60_000 }] : []) };
    const logger = createLogger('alarm-test');
    const engine = new AlarmEngine(db, new EquipmentRegistry(logger), [source], () => now, logger);
    const step = (offlineState: boolean, advanceMs: number) => { offlineNow = offlineState; engine.evaluate('press-1'); now += advanceMs; };
    step(true, 5_000); step(false, 120_000); // a 5 s blip, over long before the 60 s delay
    step(true, 1_000); step(true, 1_000); // a second 2 s blip, two minutes later
    const admin = { id: 'u-op', email: 'op@x.test', name: 'Op', role: 'admin' as const, orgId: 'operator', language: 'en' as const };
    expect(listAlarms(db, admin, { limit: 100, offset: 0 }, now).items).toEqual([]);
    step(true, 60_000); step(true, 0); // now it holds for a minute
    expect(listAlarms(db, admin, { limit: 100, offset: 0 }, now).items.map((a) => a.source)).toEqual(['offline']);
    db.close();
  });
});
