import type { Db } from '../db/index.js';

/**
 * The records a service report reads, one query per table for the whole window and every equipment (no loop per
 * equipment): what overlaps [from, to) is found through the indexes of migration 080 on the end times. `org`
 * restricts runs and bookings to one organisation (a customer's own figures); `equipment` to some equipment.
 */
export interface Scope { from: number; to: number; now: number; equipment: string[] | null; org: string | null }

export interface RunRecord { id: string; equipment_id: string; org_id: string | null; booking_id: string | null; started_at: number; ended_at: number | null; corrected: 0 | 1 }
export interface BookingRecord {
  id: string; equipment_id: string; org_id: string; starts_at: number; ends_at: number; status: string;
  billing_policy: 'booked' | 'used' | 'max'; rate_internal: number; rate_external: number; used_ms: number;
}
export interface EquipmentRecord { id: string; name: string; original_value: number | null; original_value_currency: string; yearly_hours_norm: number | null }
export interface SpanRecord { equipment_id: string; starts_at: number; ends_at: number }
export interface ReportRecord { equipment_id: string; issued_at: number }

const params = (s: Scope) => ({ from: s.from, to: s.to, now: s.now, eq: s.equipment ? JSON.stringify(s.equipment) : null, org: s.org });
const EQ = (col: string) => `(@eq IS NULL OR ${col} IN (SELECT value FROM json_each(@eq)))`;
const ORG = (col: string) => `(@org IS NULL OR ${col} = @org)`;

/** Runs overlapping the window, open ones included, by start then id (a stable order to page through); `corrected` when the audit log holds a correction of them. */
export function runsOf(db: Db, s: Scope): RunRecord[] {
  const cols = `r.id, r.equipment_id, r.org_id, r.booking_id, r.started_at, r.ended_at,
    EXISTS (SELECT 1 FROM audit_log a WHERE a.entity = 'run' AND a.entity_id = r.id AND a.action = 'run.correct') AS corrected`;
  const where = `r.started_at < @to AND ${EQ('r.equipment_id')} AND ${ORG('r.org_id')}`;
  return db.prepare(`SELECT ${cols} FROM runs r WHERE r.ended_at > @from AND ${where}
    UNION ALL SELECT ${cols} FROM runs r WHERE r.ended_at IS NULL AND ${where} ORDER BY 5, 1`).all(params(s)) as RunRecord[];
}

/** Bookings overlapping the window, any status, with their equipment's billing terms and their runs' measured time. */
export function bookingsOf(db: Db, s: Scope): BookingRecord[] {
  return db.prepare(`SELECT b.id, b.equipment_id, b.org_id, b.starts_at, b.ends_at, b.status, e.billing_policy, e.rate_internal, e.rate_external,
      COALESCE(u.used_ms, 0) AS used_ms
    FROM bookings b JOIN equipment e ON e.id = b.equipment_id
    LEFT JOIN (SELECT booking_id, SUM(COALESCE(ended_at, @now) - started_at) AS used_ms FROM runs
      WHERE booking_id IN (SELECT id FROM bookings WHERE ends_at > @from AND starts_at < @to) GROUP BY booking_id) u ON u.booking_id = b.id
    WHERE b.ends_at > @from AND b.starts_at < @to AND ${EQ('b.equipment_id')} AND ${ORG('b.org_id')}`).all(params(s)) as BookingRecord[];
}

export function equipmentOf(db: Db, s: Scope): EquipmentRecord[] {
  return db.prepare(`SELECT id, name, original_value, original_value_currency, yearly_hours_norm FROM equipment WHERE ${EQ('id')} ORDER BY id`).all(params(s)) as EquipmentRecord[];
}

export function maintenanceOf(db: Db, s: Scope): SpanRecord[] {
  return db.prepare(`SELECT equipment_id, starts_at, ends_at FROM maintenance_windows WHERE ends_at > @from AND starts_at < @to AND ${EQ('equipment_id')}`).all(params(s)) as SpanRecord[];
}

/** Device outages recorded during runs, each clipped to its run (an open gap or run lasts until now). */
export function outagesOf(db: Db, s: Scope): SpanRecord[] {
  return db.prepare(`SELECT r.equipment_id, MAX(g.started_at, r.started_at) AS starts_at,
      MIN(COALESCE(g.ended_at, @now), COALESCE(r.ended_at, @now)) AS ends_at
    FROM run_gaps g JOIN runs r ON r.id = g.run_id
    WHERE (g.ended_at IS NULL OR g.ended_at > @from) AND g.started_at < @to AND ${EQ('r.equipment_id')}`).all(params(s)) as SpanRecord[];
}

/** Reports issued in the window, first versions only: an amendment re-issues a report, it is not another one. */
export function reportsOf(db: Db, s: Scope): ReportRecord[] {
  return db.prepare(`SELECT equipment_id, issued_at FROM reports WHERE issued_at >= @from AND issued_at < @to AND previous_id IS NULL AND ${EQ('equipment_id')} AND ${ORG('org_id')}`)
    .all(params(s)) as ReportRecord[];
}

export function orgNames(db: Db): Map<string, string> {
  return new Map((db.prepare('SELECT id, name FROM orgs').all() as { id: string; name: string }[]).map((o) => [o.id, o.name]));
}
