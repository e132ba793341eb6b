import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlarmEngine } from '../api/alarms/engine.js';
import { acknowledgeAlarm, clearAlarm, getAlarm, listAlarms, raiseAlarm } from '../api/alarms/store.js';
import { conditionKey, type AlarmCondition, type AlarmSource } from '../api/alarms/model.js';
import { openDatabase } from '../api/db/index.js';
import { EquipmentRegistry } from '../api/live/equipment-registry.js';
import { Lease } from '../api/lease/lease.js';
import { createLogger } from '../common/runtime/logger.js';
import { writeTransaction } from '../common/runtime/sqlite.js';
import { tempDir } from './helpers/servers.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 23);

/** A database with a press booked by acme from 10:00 to 12:00 and by globex from 14:00 to 16:00. */
function bookedPress(file = ':memory:') {
  const db = openDatabase(file);
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

/** Two processes' engines on one database file: the lease holder judging `source`, and a standby judging nothing. */
function holderAndStandby(name: string, source: AlarmSource, holderNow: () => number, standbyNow: () => number) {
  const file = join(tempDir(`pilothub-alarm-${name}-`), 'pilothub.db');
  const holderDb = bookedPress(file);
  const standbyDb = openDatabase(file);
  const logger = createLogger('alarm-test');
  const holder = new AlarmEngine(holderDb, new EquipmentRegistry(logger), [source], holderNow, logger, { held: true, holdsInDatabase: () => true });
  const standby = new AlarmEngine(standbyDb, new EquipmentRegistry(logger), [], standbyNow, logger, { held: false, holdsInDatabase: () => false });
  holder.start(60_000);
  standby.start(60_000);
  return {
    holderDb, standbyDb, holder, standby,
    close: () => { holder.stop(); standby.stop(); standbyDb.close(); holderDb.close(); },
  };
}

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
    const engine = new AlarmEngine(db, new EquipmentRegistry(logger), [source], () => now, logger, { held: true, holdsInDatabase: () => true });
    const step = (offlineState: boolean, advanceMs: number) => { offlineNow = offlineState; engine.evaluate('press-1'); now += advanceMs; };
    step(true, 5_000); step(false, 120_000); // a 5 s blip, over long before the 60 s delay
    step(true, 1_000); step(true, 1_000); // a second 2 s blip, two minutes later
    const admin = { id: 'u-op', email: 'op@x.test', name: 'Op', role: 'admin' as const, orgId: 'operator', language: 'en' as const };
    expect(listAlarms(db, admin, { limit: 100, offset: 0 }, now).items).toEqual([]);
    step(true, 60_000); step(true, 0); // now it holds for a minute
    expect(listAlarms(db, admin, { limit: 100, offset: 0 }, now).items.map((a) => a.source)).toEqual(['offline']);
    db.close();
  });

  it('writes no transition once another process has the lease in the database, though its own renewal still counts as held', () => {
    const db = bookedPress();
    const logger = createLogger('alarm-test');
    const lease = new Lease(db, 'duties', logger, { instanceId: 'A', termMs: 60_000, renewMs: 30_000 });
    lease.start();
    const engine = new AlarmEngine(db, new EquipmentRegistry(logger), [{ kind: 'offline' as const, evaluate: () => [offline] }], () => T0 + 10.5 * HOUR, logger, lease);
    // Another process took the lease while this one waited (a stalled loop, a write lock held for seconds).
    db.prepare("UPDATE leases SET holder = 'B', acquired_at = acquired_at + 1 WHERE name = 'duties'").run();
    expect(lease.held).toBe(true);
    engine.evaluate('press-1');
    expect(db.prepare('SELECT COUNT(*) FROM alarms').pluck().get()).toBe(0);
    // Its own again: the condition, still held, is raised at the next evaluation.
    db.prepare("UPDATE leases SET holder = 'A' WHERE name = 'duties'").run();
    engine.evaluate('press-1');
    expect(db.prepare('SELECT COUNT(*) FROM alarms').pluck().get()).toBe(1);
    lease.stop();
    db.close();
  });

  it('never tells a standby\'s listeners an older state after a newer one: the holder\'s "raised", read late, after the standby\'s "acknowledged"', () => {
    let now = T0 + 10.5 * HOUR;
    const processes = holderAndStandby('order', { kind: 'offline', evaluate: () => [offline] }, () => now, () => now);
    const { holderDb, standbyDb, holder, standby } = processes;
    const told: string[] = [];
    standby.onEvent((e) => told.push(`${e.transition}:${e.alarm.acknowledgedAt === null ? 'unacknowledged' : 'acknowledged'}`));
    const toldOnHolder: string[] = [];
    holder.onEvent((e) => toldOnHolder.push(e.transition));
    holder.evaluate('press-1');
    const alarm = listAlarms(standbyDb, { id: 'u-op', email: 'op@x.test', name: 'Op', role: 'admin', orgId: 'operator', language: 'en' }, { limit: 10, offset: 0 }, now).items[0]!;
    // Acknowledged on the standby before its next tick has read the holder's "raised" from the audit log.
    now += 1000;
    const acknowledged = acknowledgeAlarm(standbyDb, alarm.id, { id: 'u-op', email: 'op@x.test', name: 'Op', role: 'admin', orgId: 'operator', language: 'en' }, 'seen', now)!;
    standby.published(acknowledged.alarm, 'acknowledged', acknowledged.auditId);
    standby.tick();
    holder.tick();
    expect(told.at(-1)).toBe('acknowledged:acknowledged');
    // Each process tells its own transitions once: not again when it reads them back from the audit log.
    expect(told.filter((t) => t.startsWith('acknowledged'))).toHaveLength(1);
    expect(toldOnHolder).toEqual(['raised', 'acknowledged']);
    processes.close();
  });

  it('orders transitions by commit, not by their writers\' clocks: a clear committed after an acknowledge with an earlier time still ends both streams', () => {
    const raisedAt = T0 + 10.5 * HOUR;
    let holderNow = raisedAt;
    let offlineNow = true;
    const processes = holderAndStandby('commit-order', { kind: 'offline', evaluate: () => (offlineNow ? [offline] : []) }, () => holderNow, () => raisedAt + 2000);
    const { holderDb, standbyDb, holder, standby } = processes;
    const last = (engine: AlarmEngine) => { const told: string[] = []; engine.onEvent((e) => told.push(`${e.transition}:${e.alarm.state}`)); return told; };
    const toldOnHolder = last(holder);
    const toldOnStandby = last(standby);
    holder.evaluate('press-1');
    const alarmId = holderDb.prepare('SELECT id FROM alarms').pluck().get() as string;
    // The holder read its clock at +1 s, then waited for the write lock while the standby's acknowledge (+2 s) committed.
    const acknowledged = acknowledgeAlarm(standbyDb, alarmId, { id: 'u-op', email: 'op@x.test', name: 'Op', role: 'admin', orgId: 'operator', language: 'en' }, 'seen', raisedAt + 2000)!;
    standby.published(acknowledged.alarm, 'acknowledged', acknowledged.auditId);
    holderNow = raisedAt + 1000;
    offlineNow = false;
    holder.evaluate('press-1');
    holder.tick();
    standby.tick();
    expect(getAlarm(holderDb, alarmId)).toMatchObject({ state: 'cleared', updatedAt: raisedAt + 2000 });
    expect(toldOnHolder.at(-1)).toBe('cleared:cleared');
    expect(toldOnStandby.at(-1)).toBe('cleared:cleared');
    processes.close();
  });
});
