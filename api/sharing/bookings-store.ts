import type { Db } from '../db/index.js';
import { ApiError, instant, terms } from '../errors.js';
import { audit } from './audit.js';
import { checkBookingRules } from './booking-rules.js';
import type { EquipmentProfile } from './equipment-store.js';
import { isOperatorStaff, newId, type AuthUser } from './people.js';
import { qualificationState } from './qualifications.js';
import { writeTransaction } from '../../common/runtime/sqlite.js';

const MIN = 60_000;

export interface BookingRow {
  id: string; equipment_id: string; org_id: string; user_id: string; starts_at: number; ends_at: number;
  status: 'requested' | 'approved' | 'rejected' | 'cancelled' | 'no_show' | 'completed';
  slot_released: number; purpose: string; recipe: string | null; cancel_reason: string | null; decided_by: string | null; created_at: number; updated_at: number;
}

/** Statuses that hold their slot; a no-show holds it unless the equipment's rule released it. */
export const BLOCKING = "(status IN ('requested', 'approved') OR (status = 'no_show' AND slot_released = 0))";

export function getBooking(db: Db, id: string): BookingRow | null {
  return (db.prepare('SELECT * FROM bookings WHERE id = ?').get(id) as BookingRow | undefined) ?? null;
}

export function measuredMinutes(db: Db, bookingId: string, now: number): number {
  const ms = db.prepare('SELECT COALESCE(SUM(COALESCE(ended_at, ?) - started_at), 0) FROM runs WHERE booking_id = ?').pluck().get(now, bookingId) as number;
  return Math.round(ms / MIN * 100) / 100;
}


/**
 * Creates a booking or throws: 400 for rule violations, 403 for a missing qualification, 409 naming
 * the conflicting slot. BEGIN IMMEDIATE takes SQLite's write lock before the overlap check, so two
 * requests (in this process or another one sharing the file) can never both see the slot free.
 */
export function createBooking(db: Db, user: AuthUser, p: EquipmentProfile, req: { startsAt: number; endsAt: number; purpose: string; recipe?: string | null }, now: number): BookingRow {
  const violations = checkBookingRules(p, req.startsAt, req.endsAt, now);
  if (violations.length) throw new ApiError(400, violations.map((v) => v.message).join('; '), { issues: violations });
  if (p.requiredQualification && !isOperatorStaff(user)) {
    const q = qualificationState(db, user.id, p.requiredQualification, now);
    if (q !== 'valid') throw new ApiError(403, { code: q === 'expired' ? 'qualification_expired' : 'qualification_missing', vars: { equipment: p.id, qualification: p.requiredQualification, email: user.email } });
  }
  const autoApproved = isOperatorStaff(user) || p.autoApproveAll || p.autoApproveOrgs.includes(user.orgId);
  return writeTransaction(db, (): BookingRow => {
    const buffer = p.cleaningBufferMin * MIN;
    const conflict = db.prepare(`SELECT starts_at, ends_at FROM bookings WHERE equipment_id = ? AND ${BLOCKING}
      AND starts_at < ? AND ends_at > ? ORDER BY starts_at LIMIT 1`).get(p.id, req.endsAt + buffer, req.startsAt - buffer) as { starts_at: number; ends_at: number } | undefined;
    if (conflict) {
      // Named in the laboratory's zone, as the calendar shows it (the `conflict` field keeps epoch ms for programs).
      throw new ApiError(409, { code: buffer ? 'booking_conflict_buffer' : 'booking_conflict', vars: { equipment: p.id, from: instant(conflict.starts_at), to: instant(conflict.ends_at), minutes: p.cleaningBufferMin } },
        { conflict: { equipmentId: p.id, startsAt: conflict.starts_at, endsAt: conflict.ends_at } });
    }
    assertNoMaintenance(db, p.id, req.startsAt, req.endsAt);
    const row: BookingRow = {
      id: newId('bkg'), equipment_id: p.id, org_id: user.orgId, user_id: user.id, starts_at: req.startsAt, ends_at: req.endsAt,
      status: autoApproved ? 'approved' : 'requested', slot_released: 0, purpose: req.purpose, recipe: req.recipe ?? null, cancel_reason: null,
      decided_by: autoApproved ? 'auto' : null, created_at: now, updated_at: now,
    };
    db.prepare(`INSERT INTO bookings (id, equipment_id, org_id, user_id, starts_at, ends_at, status, slot_released, purpose, recipe, cancel_reason, decided_by, created_at, updated_at)
      VALUES (@id, @equipment_id, @org_id, @user_id, @starts_at, @ends_at, @status, @slot_released, @purpose, @recipe, @cancel_reason, @decided_by, @created_at, @updated_at)`).run(row);
    audit(db, user, now, { action: 'booking.create', entity: 'booking', entityId: row.id, orgId: row.org_id, after: row });
    return row;
  });
}

/** Throws 409 naming the maintenance window that overlaps the slot, if any. */
export function assertNoMaintenance(db: Db, equipmentId: string, startsAt: number, endsAt: number): void {
  const maintenance = db.prepare('SELECT starts_at, ends_at, reason FROM maintenance_windows WHERE equipment_id = ? AND starts_at < ? AND ends_at > ? LIMIT 1')
    .get(equipmentId, endsAt, startsAt) as { starts_at: number; ends_at: number; reason: string } | undefined;
  if (maintenance) {
    throw new ApiError(409, { code: 'under_maintenance', vars: { equipment: equipmentId, from: instant(maintenance.starts_at), to: instant(maintenance.ends_at), reason: maintenance.reason } },
      { conflict: { equipmentId, startsAt: maintenance.starts_at, endsAt: maintenance.ends_at } });
  }
}

/** Moves a booking to a new status in one audited transaction; `allowed` lists the statuses it may come from. */
export function transitionBooking(db: Db, actor: AuthUser | null, id: string, allowed: BookingRow['status'][], change: Partial<BookingRow>, action: string, now: number): BookingRow {
  return writeTransaction(db, (): BookingRow => {
    const before = getBooking(db, id);
    if (!before) throw new ApiError(404, { code: 'booking_not_found', vars: { id } });
    if (!allowed.includes(before.status)) throw new ApiError(409, { code: 'booking_state', vars: { id, status: terms('booking.status', before.status), allowed: terms('booking.status', ...allowed), action } });
    const after: BookingRow = { ...before, ...change, updated_at: now };
    db.prepare('UPDATE bookings SET status = @status, slot_released = @slot_released, cancel_reason = @cancel_reason, decided_by = @decided_by, updated_at = @updated_at WHERE id = @id').run(after);
    audit(db, actor, now, { action, entity: 'booking', entityId: id, orgId: before.org_id, before, after });
    return after;
  });
}

/**
 * Approved bookings with no run within their equipment's grace period become no-shows (issue 6);
 * approved bookings that ended with a run and have no open run left are completed.
 */
export function sweepNoShows(db: Db, now: number): number {
  // One write transaction: another process sweeping at the same moment waits, then finds nothing left to do.
  return writeTransaction(db, () => sweep(db, now));
}

function sweep(db: Db, now: number): number {
  const done = db.prepare(`SELECT b.id FROM bookings b WHERE b.status = 'approved' AND b.ends_at <= ?
      AND EXISTS (SELECT 1 FROM runs r WHERE r.booking_id = b.id) AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.booking_id = b.id AND r.ended_at IS NULL)`)
    .pluck().all(now) as string[];
  for (const id of done) transitionBooking(db, null, id, ['approved'], { status: 'completed' }, 'booking.complete', now);
  const due = db.prepare(`SELECT b.id, e.no_show_release FROM bookings b JOIN equipment e ON e.id = b.equipment_id
    WHERE b.status = 'approved' AND b.starts_at + e.no_show_grace_min * 60000 <= ?
      AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.booking_id = b.id)`).all(now) as { id: string; no_show_release: number }[];
  for (const b of due) transitionBooking(db, null, b.id, ['approved'], { status: 'no_show', slot_released: b.no_show_release }, 'booking.no_show', now);
  return due.length;
}
