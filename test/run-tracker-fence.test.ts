import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../api/db/index.js';
import { Lease, type DutyGate } from '../api/lease/lease.js';
import { EquipmentRegistry } from '../api/live/equipment-registry.js';
import { RunTracker } from '../api/sharing/run-tracker.js';
import { topics, type Birth } from '../common/contracts/index.js';
import { createLogger } from '../common/runtime/logger.js';
import * as start from './helpers/servers.js';

const SITE = 'hall-f';
const EQ = 'press-9';
const logger = createLogger('run-tracker-fence-test');

/** A press booked from a minute ago for an hour, announced on a real broker; `test` gets the database and the registry, which sees the press running. */
async function withRunningPress(test: (db: Db, registry: EquipmentRegistry) => Promise<void> | void): Promise<void> {
  const broker = await start.broker();
  const db = openDatabase(':memory:');
  const now = Date.now();
  db.exec(`INSERT INTO orgs (id, name, kind, created_at) VALUES ('acme', 'Acme', 'customer', 0) ON CONFLICT (id) DO NOTHING;
    INSERT INTO users (id, org_id, email, name, role, created_at) VALUES ('u-a', 'acme', 'a@x.test', 'A', 'customer', 0);
    INSERT INTO equipment (id, name, run_condition, run_close_after_s, created_at, updated_at) VALUES ('${EQ}', 'Press 9', 'running == true', 60, 0, 0);`);
  db.prepare("INSERT INTO bookings (id, equipment_id, org_id, user_id, starts_at, ends_at, status, created_at, updated_at) VALUES ('b-1', ?, 'acme', 'u-a', ?, ?, 'approved', 0, 0)")
    .run(EQ, now - 60_000, now + 3_600_000);
  const registry = new EquipmentRegistry(logger);
  await registry.connect(broker.url);
  const pub = await mqtt.connectAsync(broker.url);
  try {
    const birth: Birth = { gateway: 'gw-f', equipment: { id: EQ, name: 'Press 9', kind: 'press', protocol: 'modbus' }, parameters: [{ id: 'running', name: 'Running', unit: '', datatype: 'boolean' }], t: Date.now() };
    await pub.publishAsync(topics.status(SITE, 'gw-f'), JSON.stringify({ gateway: 'gw-f', state: 'online' }), { qos: 1, retain: true });
    await pub.publishAsync(topics.birth(SITE, EQ), JSON.stringify(birth), { qos: 1, retain: true });
    await pub.publishAsync(topics.data(SITE, EQ), JSON.stringify({ gateway: 'gw-f', seq: 1, readings: [{ p: 'running', v: true, t: Date.now() }] }), { qos: 1 });
    await start.eventually('the press running in the registry', () => (registry.get(EQ)?.values.get('running')?.v === true ? true : undefined));
    await test(db, registry);
  } finally {
    await pub.endAsync();
    await registry.close();
    db.close();
  }
}

describe('the run tracker on the duties lease', () => {
  it('opens no run once another process has the lease in the database, though its own renewal still counts as held', async () => {
    await withRunningPress((db, registry) => {
      const lease = new Lease(db, 'duties', logger, { instanceId: 'A', termMs: 60_000, renewMs: 30_000 });
      lease.start();
      const tracker = new RunTracker(db, registry, Date.now, logger, lease);
      try {
        // Another process took the lease while this one waited (a stalled loop, a write lock held for seconds).
        db.prepare("UPDATE leases SET holder = 'B', acquired_at = acquired_at + 1 WHERE name = 'duties'").run();
        expect(lease.held).toBe(true);
        tracker.evaluate(EQ);
        expect(db.prepare('SELECT COUNT(*) FROM runs').pluck().get()).toBe(0);
        // Its own again: the run opens at the next evaluation.
        db.prepare("UPDATE leases SET holder = 'A' WHERE name = 'duties'").run();
        tracker.evaluate(EQ);
        expect(db.prepare('SELECT COUNT(*) FROM runs').pluck().get()).toBe(1);
      } finally {
        tracker.stop();
        lease.stop();
      }
    });
  });

  it('opens the run from when the condition became true, not from when this process took the lease over', async () => {
    await withRunningPress((db, registry) => {
      let holding = false;
      const gate: DutyGate = { get held() { return holding; }, holdsInDatabase: () => holding };
      let now = Date.now();
      const tracker = new RunTracker(db, registry, () => now, logger, gate);
      const becameTrue = now;
      tracker.evaluate(EQ); // a standby sees the press start
      expect(db.prepare('SELECT COUNT(*) FROM runs').pluck().get()).toBe(0);
      now += 7_000;
      tracker.evaluate(EQ);
      // The holder is gone; this process takes over 7 s later.
      now += 2_000;
      holding = true;
      tracker.evaluate(EQ);
      expect(db.prepare('SELECT started_at FROM runs').pluck().all()).toEqual([becameTrue]);
    });
  });

  it('takes no write lock for a live message during a run while the device answers', async () => {
    await withRunningPress(async (db, registry) => {
      let fencedWrites = 0;
      const gate: DutyGate = { held: true, holdsInDatabase: () => { fencedWrites++; return true; } };
      const tracker = new RunTracker(db, registry, Date.now, logger, gate);
      await start.eventually('the registry settled', () => (registry.settled ? true : undefined));
      tracker.evaluate(EQ);
      expect(db.prepare('SELECT COUNT(*) FROM runs WHERE ended_at IS NULL').pluck().get()).toBe(1);
      fencedWrites = 0;
      tracker.evaluate(EQ);
      tracker.evaluate(EQ);
      expect(fencedWrites).toBe(0);
    });
  });
});
