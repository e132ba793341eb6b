import { writeTransaction } from '../../common/runtime/sqlite.js';
import type { Db } from '../../api/db/index.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** A deterministic pseudo-random sequence (mulberry32), so every run of the benchmark loads the same history. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface HistoryShape { equipment: number; runs: number; orgs: number; from: number; days: number }

/**
 * A year of platform history written straight into the metadata database: equipment with original values across the
 * value bands, customer organisations, one booking per run for most runs (the rest internal use without one), some
 * cancellations and no-shows, maintenance windows, outages during runs and issued reports. Runs of one equipment
 * never overlap (each takes its own slot of the year), as the API guarantees.
 */
export function loadHistory(db: Db, shape: HistoryShape): { runs: number; bookings: number } {
  const rnd = random(16);
  const now = shape.from + shape.days * DAY;
  const ins = {
    org: db.prepare("INSERT OR IGNORE INTO orgs (id, name, kind, created_at) VALUES (?, ?, 'customer', ?)"),
    user: db.prepare("INSERT INTO users (id, org_id, email, name, role, created_at) VALUES (?, ?, ?, ?, 'customer', ?)"),
    equipment: db.prepare(`INSERT INTO equipment (id, name, kind, rate_internal, rate_external, billing_policy, bookable, original_value, original_value_currency, created_at, updated_at)
      VALUES (?, ?, 'bench', ?, ?, ?, 1, ?, 'CNY', ?, ?)`),
    booking: db.prepare(`INSERT INTO bookings (id, equipment_id, org_id, user_id, starts_at, ends_at, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    run: db.prepare('INSERT INTO runs (id, equipment_id, booking_id, org_id, started_at, ended_at, opened_by, closed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    gap: db.prepare("INSERT INTO run_gaps (run_id, started_at, ended_at, reason) VALUES (?, ?, ?, 'gateway offline')"),
    maintenance: db.prepare("INSERT INTO maintenance_windows (id, equipment_id, starts_at, ends_at, reason) VALUES (?, ?, ?, ?, 'service')"),
    audit: db.prepare("INSERT INTO audit_log (at, actor_id, action, entity, entity_id) VALUES (?, 'bench', 'run.correct', 'run', ?)"),
    report: db.prepare(`INSERT INTO reports (id, run_id, equipment_id, org_id, version, window_from, window_to, issued_at, issued_by, parameters_json, content_json, html, pdf, data_csv_gz, data_sha256, point_count)
      VALUES (?, ?, ?, ?, 1, ?, ?, ?, 'bench', '[]', '{}', '', x'', x'', '', 0)`),
  };
  let bookings = 0;
  writeTransaction(db, () => {
    for (let o = 0; o < shape.orgs; o++) {
      ins.org.run(`org-${o}`, `Customer ${o}`, shape.from);
      ins.user.run(`user-${o}`, `org-${o}`, `u${o}@bench.test`, `User ${o}`, shape.from);
    }
    db.prepare("INSERT OR IGNORE INTO orgs (id, name, kind, created_at) VALUES ('operator', 'Platform operator', 'operator', ?)").run(shape.from);
    ins.user.run('user-op', 'operator', 'op@bench.test', 'Operator', shape.from);
    const values = [50_000, 300_000, 800_000, 2_000_000, 15_000_000];
    for (let e = 0; e < shape.equipment; e++) {
      ins.equipment.run(`eq-${e}`, `Bench equipment ${e}`, 50 + (e % 5) * 10, 120 + (e % 7) * 20, ['booked', 'used', 'max'][e % 3], values[e % values.length], shape.from, shape.from);
      for (let m = 0; m < 2; m++) {
        const start = shape.from + Math.floor(rnd() * (shape.days - 1)) * DAY;
        ins.maintenance.run(`mnt-${e}-${m}`, `eq-${e}`, start, start + 4 * HOUR);
      }
    }
    // Each equipment's year is cut into as many slots as it has runs; a run sits inside its slot.
    const perEquipment = Math.ceil(shape.runs / shape.equipment);
    const slot = Math.floor((shape.days * DAY) / perEquipment);
    for (let i = 0; i < shape.runs; i++) {
      const e = i % shape.equipment;
      const k = Math.floor(i / shape.equipment);
      const start = shape.from + k * slot + Math.floor(rnd() * (slot / 3));
      const length = Math.floor((1 + rnd() * 7) * HOUR);
      const end = Math.min(start + length, shape.from + (k + 1) * slot);
      const external = rnd() < 0.7;
      const org = external ? `org-${Math.floor(rnd() * shape.orgs)}` : 'operator';
      const user = external ? `user-${org.slice(4)}` : 'user-op';
      let bookingId: string | null = null;
      if (external || rnd() < 0.3) {
        bookingId = `bkg-${i}`;
        ins.booking.run(bookingId, `eq-${e}`, org, user, start, start + Math.ceil(length / HOUR) * HOUR, 'completed', start - DAY, end);
        bookings++;
      }
      ins.run.run(`run-${i}`, `eq-${e}`, bookingId, org, start, end, 'auto', 'auto');
      if (rnd() < 0.05) ins.gap.run(`run-${i}`, start + HOUR / 2, Math.min(end, start + HOUR));
      if (rnd() < 0.02) ins.audit.run(end + HOUR, `run-${i}`);
      if (external && rnd() < 0.15) ins.report.run(`rep-${i}`, `run-${i}`, `eq-${e}`, org, start, end, Math.min(now - 1, end + DAY));
      // Cancelled and no-show bookings in the slot's unused tail.
      const tail = end + HOUR;
      if (rnd() < 0.1 && tail + 2 * HOUR < shape.from + (k + 1) * slot) {
        ins.booking.run(`bkg-x-${i}`, `eq-${e}`, `org-${i % shape.orgs}`, `user-${i % shape.orgs}`, tail, tail + 2 * HOUR, rnd() < 0.5 ? 'cancelled' : 'no_show', start - DAY, tail);
        bookings++;
      }
    }
  });
  return { runs: shape.runs, bookings };
}
