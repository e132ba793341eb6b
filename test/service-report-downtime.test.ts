import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../api/db/index.js';
import { serviceReport } from '../api/service-report/figures.js';
import { tempDir } from './helpers/servers.js';

const H = 3_600_000;
const T = (h: number, m = 0) => Date.UTC(2026, 10, 24, h, m);

/**
 * Downtime over a real migrated SQLite database: overlapping maintenance windows, and an outage during maintenance,
 * are counted once in maintenanceHours, offlineHours and availability.
 */
describe('service report downtime', () => {
  const db = openDatabase(join(tempDir('pilothub-downtime-'), 'a.db'));
  afterAll(() => db.close());
  db.prepare("INSERT INTO equipment (id, name, created_at, updated_at) VALUES ('eq-d', 'Dryer', 0, 0)").run();
  const maintenance = db.prepare("INSERT INTO maintenance_windows (id, equipment_id, starts_at, ends_at, reason) VALUES (?, 'eq-d', ?, ?, 'service')");
  maintenance.run('m1', T(10), T(12));
  maintenance.run('m2', T(11), T(13));
  db.prepare("INSERT INTO runs (id, equipment_id, started_at, ended_at, opened_by) VALUES ('r1', 'eq-d', ?, ?, 'test')").run(T(9), T(16));
  const gap = db.prepare("INSERT INTO run_gaps (run_id, started_at, ended_at, reason) VALUES ('r1', ?, ?, 'gateway offline')");
  gap.run(T(11, 30), T(12, 30)); // inside maintenance
  gap.run(T(14), T(15));
  gap.run(T(14, 30), T(15)); // overlaps the previous outage

  const report = () => serviceReport(db, {
    from: T(0), to: T(24), groupBy: 'window', equipment: null, org: null, now: T(23), timeZone: 'UTC', settings: { externalWeight: 1.5, hoursNorm: 800, currency: 'CNY' },
  }).equipment[0]!;

  it('counts overlapping maintenance windows once: 10-12 and 11-13 are 3 h', () => {
    expect(report().maintenanceHours).toBe(3);
  });

  it('counts overlapping outages once, and subtracts an outage during maintenance from availability once', () => {
    const e = report();
    expect(e.offlineHours).toBe(2);
    // Downtime: 10:00-13:00 (the outage at 11:30 is inside) and 14:00-15:00, 4 h of 24.
    expect(e.availability).toBe(Math.round(((24 - 4) / 24) * 1e4) / 1e4);
  });
});
