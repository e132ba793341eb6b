import type { Db } from '../db/index.js';
import { localInstant } from './local-time.js';

const MIN = 60_000;

export interface UsageLine {
  equipmentId: string; bookings: number; bookedMinutes: number; usedMinutes: number; overageMinutes: number;
  gapMinutes: number; noShows: number; billedMinutes: number; rate: number; policy: 'booked' | 'used' | 'max'; amount: number;
}

/**
 * How device outages during runs are billed, stated with every usage answer: an outage of the data does not end
 * the run (the run condition is unknown, not false), and the equipment stays held for its booker, so the outage
 * counts as used time; gapMinutes shows how much of the used time it was, for staff to credit by correcting the run.
 */
export const GAP_POLICY = 'Device outages during a run count as used time (the equipment stayed held for the run); gapMinutes is the part of usedMinutes the device did not answer. Staff may credit it by correcting the run.';

/** Money and minutes to the cent: trim binary noise first, or 90 min at 2.01/h (3.0149999…) would lose a cent. */
export const round2 = (n: number) => Math.round(Number((n * 100).toPrecision(12))) / 100;

/** Minutes billed for one booking under its equipment's policy: booked time, measured time, or the larger. */
export function billedMinutes(policy: UsageLine['policy'], booked: number, used: number): number {
  return policy === 'booked' ? booked : policy === 'used' ? used : Math.max(booked, used);
}

/**
 * Bounds of the calendar month "YYYY-MM" in the laboratory's zone (local midnight on the first, daylight saving
 * included): a booking at 02:00 on 1 December in Shanghai is December's, as the service report's months count it.
 */
export function monthRange(month: string, timeZone: string): { from: number; to: number } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return { from: localInstant(Date.UTC(y, m - 1, 1), 0, timeZone), to: localInstant(Date.UTC(y, m, 1), 0, timeZone) };
}

/**
 * Usage of one organisation in one month of the laboratory's zone, per equipment: bookings that started in the month and
 * were not cancelled, rejected or left unapproved; measured minutes from their runs; billed minutes
 * under the equipment's policy at the internal (operator) or external (customer) hourly rate.
 */
export function usageSummary(db: Db, orgId: string, month: string, now: number, timeZone: string): { lines: UsageLine[]; total: number } {
  const { from, to } = monthRange(month, timeZone);
  const orgKind = db.prepare('SELECT kind FROM orgs WHERE id = ?').pluck().get(orgId) as string;
  const rows = db.prepare(`SELECT b.id, b.equipment_id, b.starts_at, b.ends_at, b.status, e.rate_internal, e.rate_external, e.billing_policy,
      (SELECT COALESCE(SUM(COALESCE(r.ended_at, @now) - r.started_at), 0) FROM runs r WHERE r.booking_id = b.id) AS used_ms,
      (SELECT COALESCE(SUM(MAX(0, MIN(COALESCE(g.ended_at, @now), COALESCE(r.ended_at, @now)) - MAX(g.started_at, r.started_at))), 0)
        FROM runs r JOIN run_gaps g ON g.run_id = r.id WHERE r.booking_id = b.id) AS gap_ms
    FROM bookings b JOIN equipment e ON e.id = b.equipment_id
    WHERE b.org_id = @orgId AND b.starts_at >= @from AND b.starts_at < @to AND b.status IN ('approved', 'no_show', 'completed')
    ORDER BY b.equipment_id, b.starts_at`).all({ now, orgId, from, to }) as {
      equipment_id: string; starts_at: number; ends_at: number; status: string; rate_internal: number; rate_external: number;
      billing_policy: UsageLine['policy']; used_ms: number; gap_ms: number }[];
  const lines = new Map<string, UsageLine>();
  for (const r of rows) {
    const rate = orgKind === 'operator' ? r.rate_internal : r.rate_external;
    const line = lines.get(r.equipment_id) ?? { equipmentId: r.equipment_id, bookings: 0, bookedMinutes: 0, usedMinutes: 0, overageMinutes: 0, gapMinutes: 0, noShows: 0, billedMinutes: 0, rate, policy: r.billing_policy, amount: 0 };
    const booked = (r.ends_at - r.starts_at) / MIN;
    const used = r.used_ms / MIN;
    line.bookings += 1;
    line.bookedMinutes += booked;
    line.usedMinutes += used;
    line.gapMinutes += r.gap_ms / MIN;
    line.overageMinutes += Math.max(0, used - booked);
    if (r.status === 'no_show') line.noShows += 1;
    line.billedMinutes += billedMinutes(r.billing_policy, booked, used);
    lines.set(r.equipment_id, line);
  }
  const out = [...lines.values()].map((l) => ({
    ...l, bookedMinutes: round2(l.bookedMinutes), usedMinutes: round2(l.usedMinutes), overageMinutes: round2(l.overageMinutes),
    gapMinutes: round2(l.gapMinutes), billedMinutes: round2(l.billedMinutes), amount: round2(l.billedMinutes / 60 * l.rate),
  }));
  return { lines: out, total: round2(out.reduce((sum, l) => sum + l.amount, 0)) };
}

export function usageCsv(orgId: string, month: string, lines: UsageLine[]): string {
  const header = 'org,month,equipment,bookings,booked_min,used_min,overage_min,gap_min,no_shows,billed_min,policy,rate_per_h,amount';
  const body = lines.map((l) => [orgId, month, l.equipmentId, l.bookings, l.bookedMinutes, l.usedMinutes, l.overageMinutes, l.gapMinutes, l.noShows, l.billedMinutes, l.policy, l.rate, l.amount].join(','));
  return `${[header, ...body].join('\n')}\n`;
}
