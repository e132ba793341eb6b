import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlarmEngine } from '../api/alarms/engine.js';
import { conditionKey, type AlarmCondition } from '../api/alarms/model.js';
import { shelveAlarm } from '../api/alarms/store.js';
import { openDatabase, type Db } from '../api/db/index.js';
import { labTime } from '../api/errors.js';
import { Lease, BACKGROUND_DUTIES } from '../api/lease/lease.js';
import { EquipmentRegistry } from '../api/live/equipment-registry.js';
import { DEFAULT_NOTIFICATION_SETTINGS } from '../api/notifications/model.js';
import { Notifier } from '../api/notifications/notifier.js';
import { createLogger } from '../common/runtime/logger.js';
import { httpReceiver } from './helpers/receivers.js';
import { eventually, tempDir } from './helpers/servers.js';

const HOUR = 3_600_000;
const ZONE = 'Asia/Shanghai';
const logger = createLogger('alarm-shelf-test');
const staff = { id: 'u-op', email: 'op@x.test', name: 'Op', role: 'engineer' as const, orgId: 'operator', language: 'en' as const };
const offline: AlarmCondition = { key: conditionKey('offline', 'press-1'), source: 'offline', equipmentId: 'press-1', severity: 'high', delayMs: 0, detail: { reason: 'probe' } };

const stops: (() => Promise<void>)[] = [];
afterEach(async () => { for (const stop of stops.splice(0).reverse()) await stop(); });

/**
 * A database file with a press and two staff members subscribed to it by webhook, one reading English and one
 * Chinese; `clock` is every process's time (alarms, shelves and the outbox), moved by the test.
 */
async function lab() {
  const en = await httpReceiver();
  const zh = await httpReceiver();
  const file = join(tempDir('pilothub-shelf-'), 'pilothub.db');
  const db = openDatabase(file);
  db.exec(`INSERT INTO orgs (id, name, kind, created_at) VALUES ('operator', 'Operator', 'operator', 0) ON CONFLICT (id) DO NOTHING;
    INSERT INTO users (id, org_id, email, name, role, language, created_at) VALUES ('u-op', 'operator', 'op@x.test', 'Op', 'engineer', 'en', 0),
      ('u-zh', 'operator', 'zh@x.test', 'Zh', 'engineer', 'zh-CN', 0);
    INSERT INTO equipment (id, name, created_at, updated_at) VALUES ('press-1', 'Press', 0, 0);`);
  const subscribe = db.prepare(`INSERT INTO notification_subscriptions (id, user_id, equipment_id, channel, target_json, created_at, updated_at)
    VALUES (?, ?, 'press-1', 'webhook', ?, 0, 0)`);
  subscribe.run('sub-en', 'u-op', JSON.stringify({ channel: 'webhook', url: `${en.url}/hook` }));
  subscribe.run('sub-zh', 'u-zh', JSON.stringify({ channel: 'webhook', url: `${zh.url}/hook` }));
  db.close();
  const state = { now: Date.now(), condition: true };
  return { file, en, zh, state, clock: () => state.now };
}
type Lab = Awaited<ReturnType<typeof lab>>;

/** One API process's duties on the file, wired as `startApi` wires them: lease, engine (its transitions feeding the outbox) and notifier. */
function apiProcess(l: Lab) {
  const db: Db = openDatabase(l.file);
  const lease = new Lease(db, BACKGROUND_DUTIES, logger, { termMs: 10_000, renewMs: 100 });
  lease.start();
  const source = { kind: 'offline' as const, evaluate: () => (l.state.condition ? [offline] : []) };
  const engine = new AlarmEngine(db, new EquipmentRegistry(logger), [source], l.clock, logger, lease);
  lease.onChange((held) => { if (held) engine.resync(); });
  const notifier = new Notifier(db, l.clock, logger, { ...DEFAULT_NOTIFICATION_SETTINGS, groupMs: 0, pollMs: 50 }, ZONE, lease);
  engine.withinTransition((e) => notifier.enqueue(e));
  engine.start(60_000);
  notifier.start();
  const told: string[] = [];
  engine.onEvent((e) => told.push(e.transition));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    engine.stop();
    await notifier.stop();
    lease.stop();
    db.close();
  };
  stops.push(stop);
  return { db, lease, engine, told, stop };
}

/** Every event the outbox holds, by transition, and whether anything is still to be sent. */
function outbox(db: Db) {
  const rows = db.prepare('SELECT state, events_json FROM notifications').all() as { state: string; events_json: string }[];
  const events = rows.flatMap((r) => (JSON.parse(r.events_json) as { transition: string; alarmId: string; at: number }[]));
  return { events, unsent: rows.filter((r) => r.state !== 'sent').length, count: (transition: string) => events.filter((e) => e.transition === transition).length };
}

/** Waits until the outbox holds `n` events of `transition` and has sent everything (the row marked sent, not only received). */
const sent = (db: Db, transition: string, n: number) =>
  eventually(`${n} ${transition} sent`, () => { const o = outbox(db); return o.count(transition) === n && o.unsent === 0 ? true : undefined; });

const posts = (r: { received: { body: any }[] }, transition: string) => r.received.filter((x) => x.body.events?.some((e: any) => e.transition === transition));

/** Raises the offline alarm on `holder` and waits until both subscribers have its message; shelves it for an hour. */
async function raisedAndShelved(l: Lab, holder: ReturnType<typeof apiProcess>, shelvingProcess = holder) {
  await eventually('holder', () => (holder.lease.held ? true : undefined));
  holder.engine.evaluate('press-1');
  await sent(holder.db, 'raised', 2);
  const id = holder.db.prepare('SELECT id FROM alarms').pluck().get() as string;
  // The route's write, in whichever process served it.
  const until = l.state.now + HOUR;
  const shelved = shelveAlarm(shelvingProcess.db, id, staff, until, 'sensor being recalibrated', l.state.now);
  shelvingProcess.engine.published(shelved.alarm, 'shelved', shelved.auditId);
  return { id, until };
}

describe('an alarm whose shelf expires', () => {
  it('is notified once, "shelf expired, still active", when its condition is still true, in each subscriber\'s language and the lab\'s zone', async () => {
    const l = await lab();
    const p = apiProcess(l);
    const { id, until } = await raisedAndShelved(l, p);
    l.state.now = until - 1000;
    p.engine.tick();
    expect(outbox(p.db).count('unshelved')).toBe(0);
    l.state.now = until + 1000;
    p.engine.tick();
    p.engine.tick();
    expect(outbox(p.db).count('unshelved')).toBe(2);
    await sent(p.db, 'unshelved', 2);
    const [en] = posts(l.en, 'unshelved');
    const [zh] = posts(l.zh, 'unshelved');
    expect(en!.body.events).toMatchObject([{ alarmId: id, transition: 'unshelved', at: until, alarm: { state: 'active', shelvedUntil: until } }]);
    expect(en!.body.title).toContain('shelf expired, still active');
    // The time the shelf ended, in the laboratory's zone (UTC+08:00), as every notification writes times.
    expect(en!.body.text).toContain(`${labTime(until, ZONE)} · Press`);
    expect(en!.body.text).toContain('UTC+08:00');
    expect(zh!.body.text).toContain('搁置到期，仍未恢复');
    expect(zh!.body.text).toContain(labTime(until, ZONE));
    // Recorded by the system in the audit log with the outbox: the expiry is handled, not found again.
    expect(p.db.prepare("SELECT actor_email FROM audit_log WHERE action = 'alarm.unshelve' AND entity_id = ?").pluck().all(id)).toEqual(['system']);
    expect(p.told.filter((t) => t === 'unshelved')).toHaveLength(1);
    expect(posts(l.en, 'unshelved')).toHaveLength(1);
    expect(posts(l.zh, 'unshelved')).toHaveLength(1);
  });

  it('sends nothing at the expiry of an alarm that cleared while shelved (it only shows again)', async () => {
    const l = await lab();
    const p = apiProcess(l);
    const { until } = await raisedAndShelved(l, p);
    l.state.now += 60_000;
    l.state.condition = false;
    p.engine.evaluate('press-1');
    expect(p.told.at(-1)).toBe('cleared');
    l.state.now = until + 1000;
    p.engine.tick();
    // The expiry is recorded (the board shows the alarm again, to be acknowledged) but notifies nobody; the clear
    // while shelved was not notified either.
    expect(p.told.at(-1)).toBe('unshelved');
    expect(outbox(p.db).events.map((e) => e.transition)).toEqual(['raised', 'raised']);
    expect(outbox(p.db).unsent).toBe(0);
  });

  it('counts only the newest shelf when shelved again before the expiry', async () => {
    const l = await lab();
    const p = apiProcess(l);
    const { id, until } = await raisedAndShelved(l, p);
    l.state.now = until - 60_000;
    const again = shelveAlarm(p.db, id, staff, until + HOUR, 'still recalibrating', l.state.now);
    p.engine.published(again.alarm, 'shelved', again.auditId);
    l.state.now = until + 1000;
    p.engine.tick();
    expect(outbox(p.db).count('unshelved')).toBe(0);
    l.state.now = until + HOUR + 1000;
    p.engine.tick();
    expect(outbox(p.db).events.filter((e) => e.transition === 'unshelved').map((e) => e.at)).toEqual([until + HOUR, until + HOUR]);
  });

  it('is notified exactly once by two processes on one database: the holder stops just before the expiry, the next holder notifies it, a restarted process taking over later does not again', async () => {
    const l = await lab();
    const a = apiProcess(l);
    await eventually('a holds', () => (a.lease.held ? true : undefined));
    const b = apiProcess(l);
    expect(b.lease.held).toBe(false);
    // Raised by the holder, shelved through the standby (the route served there).
    const { until } = await raisedAndShelved(l, a, b);
    l.state.now = until - 1000;
    a.engine.tick();
    b.engine.tick();
    await a.stop();
    await eventually('b takes over', () => (b.lease.held ? true : undefined));
    // A restarts: a standby now, following the audit log.
    const a2 = apiProcess(l);
    expect(a2.lease.held).toBe(false);
    l.state.now = until + 1000;
    a2.engine.tick();
    b.engine.tick();
    a2.engine.tick();
    expect(b.told.filter((t) => t === 'unshelved')).toHaveLength(1);
    // The standby's stream is told from the audit log; its notifier wrote nothing.
    expect(a2.told).toEqual(['unshelved']);
    expect(outbox(b.db).count('unshelved')).toBe(2);
    await sent(b.db, 'unshelved', 2);
    // The new holder stops too; the restarted process takes over and ticks past the expiry: nothing again.
    await b.stop();
    await eventually('a2 takes over', () => (a2.lease.held ? true : undefined));
    l.state.now += 5000;
    a2.engine.tick();
    a2.engine.tick();
    expect(a2.told).toEqual(['unshelved']);
    expect(outbox(a2.db).count('unshelved')).toBe(2);
    expect(outbox(a2.db).unsent).toBe(0);
    expect(posts(l.en, 'unshelved')).toHaveLength(1);
    expect(posts(l.zh, 'unshelved')).toHaveLength(1);
  });
});
