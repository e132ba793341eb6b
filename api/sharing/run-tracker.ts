import type { Logger } from '../../common/runtime/logger.js';
import type { Db } from '../db/index.js';
import type { EquipmentRegistry } from '../live/equipment-registry.js';
import type { DutyGate } from '../lease/lease.js';
import { audit } from './audit.js';
import { sweepNoShows } from './bookings-store.js';
import { ensureEquipment, getEquipment } from './equipment-store.js';
import { conditionNow } from './live.js';
import { newId } from './people.js';
import { closeGapsOfClosedRuns, gapChangeDue, recordGap } from './run-gaps.js';
import { touchQualification } from './qualifications.js';
import { writeTransaction } from '../../common/runtime/sqlite.js';

interface OpenRun { id: string; booking_id: string | null; started_at: number }

/**
 * Measured use: within an approved booking a run opens when the equipment's run condition becomes
 * true and closes once it has been false for `runCloseAfterS` (the run ends when it turned false).
 * While the condition is unknown (no fresh data) nothing changes; engineers correct such runs by hand.
 * Driven by the live registry's values, plus a periodic tick for timeouts and no-shows.
 * With several API processes only the holder of the duties lease (`gate`) writes runs, gaps and no-shows: two
 * trackers would both open a run (one failing on the one-open-run index), close one twice with two audit entries,
 * record a gap twice (its check and insert are not one transaction) and sweep no-shows twice. Every process still
 * follows the run conditions in memory, so a standby that takes over opens a run from the moment its condition turned
 * true (not before its booking began) and closes one at the moment it turned false.
 */
export class RunTracker {
  private readonly falseSince = new Map<string, number>();
  /** When the condition became true with no run open: a standby that takes over opens the run from then, not from the take-over. */
  private readonly trueSince = new Map<string, number>();
  private readonly registered = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly db: Db, private readonly registry: EquipmentRegistry, private readonly now: () => number, private readonly logger: Logger,
    private readonly gate: DutyGate,
  ) {}

  start(tickMs = 1000): void {
    // Called from the MQTT message handler: a failure here must not escape into the client.
    this.unsubscribe = this.registry.onChange((id) => {
      try { this.evaluate(id); } catch (err) { this.logger.error({ err, equipmentId: id }, 'run tracker failed on a live update'); }
    });
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
    for (const e of this.registry.list()) this.evaluate(e.id);
  }

  stop(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
  }

  tick(): void {
    try {
      for (const e of this.registry.list()) this.evaluate(e.id);
      if (!this.gate.held) return;
      this.fenced(() => {
        closeGapsOfClosedRuns(this.db);
        sweepNoShows(this.db, this.now());
      });
    } catch (err) {
      this.logger.error({ err }, 'run tracker tick failed');
    }
  }

  evaluate(equipmentId: string): void {
    const entry = this.registry.get(equipmentId);
    const now = this.now();
    // Registering is not gated: it inserts only when absent, so a second process finds the row and writes nothing.
    if (entry && !this.registered.has(equipmentId)) {
      this.registered.add(equipmentId);
      const { name, kind } = entry.birth.equipment;
      if (ensureEquipment(this.db, equipmentId, name, kind, now)) audit(this.db, null, now, { action: 'equipment.register', entity: 'equipment', entityId: equipmentId, after: { name, kind } });
    }
    const open = this.db.prepare('SELECT id, booking_id, started_at FROM runs WHERE equipment_id = ? AND ended_at IS NULL').get(equipmentId) as OpenRun | undefined;
    const acting = this.gate.held;
    if (open && acting) this.recordGaps(open, equipmentId, now);
    const p = getEquipment(this.db, equipmentId);
    if (!p?.runCondition) return;
    // Unknown (gateway offline, stale data) changes nothing: a data gap neither opens nor closes a run.
    const state = conditionNow(this.registry, equipmentId, p.runCondition);
    if (state === null) return;
    const on = state;
    if (on) {
      this.falseSince.delete(equipmentId);
      // With a run open the run says since when; after it closes (also by hand) the condition counts afresh.
      if (open) this.trueSince.delete(equipmentId);
      else if (!this.trueSince.has(equipmentId)) this.trueSince.set(equipmentId, now);
      if (!acting) return;
      if (!open) return this.open(equipmentId, now, p.requiredQualification, this.trueSince.get(equipmentId));
      // Running on past the end of its booking is that booking's overage, until another booking begins:
      // from then on the machine is the next booker's, so the run is handed over at the new booking's start.
      const next = this.activeBooking(equipmentId, now);
      if (next && next.id !== open.booking_id && next.starts_at > open.started_at) {
        this.close(open, next.starts_at, now);
        this.open(equipmentId, now, p.requiredQualification, next.starts_at);
      }
      return;
    }
    this.trueSince.delete(equipmentId);
    if (!open) return;
    const since = this.falseSince.get(equipmentId);
    if (since === undefined) this.falseSince.set(equipmentId, now);
    else if (now - since >= p.runCloseAfterS * 1000 && acting && this.close(open, Math.max(since, open.started_at), now)) {
      this.falseSince.delete(equipmentId);
    }
  }

  /** An outage during an open run is kept on the run (whatever opened it), so its report can name the gap. */
  private recordGaps(run: OpenRun, equipmentId: string, now: number): void {
    // The API's own broker link down, or retained messages still arriving, says nothing about the device.
    if (!this.registry.settled) return;
    const availability = this.registry.availabilityOf(equipmentId);
    if (gapChangeDue(this.db, run.id, availability)) this.fenced(() => recordGap(this.db, run, availability, now));
  }

  /**
   * A gated write, done only while the stored lease is this process's: checked after BEGIN IMMEDIATE, whose lock keeps
   * anyone from taking the lease until it commits (`gate.held`, asked before, may be stale by the time the lock is had).
   */
  private fenced<T>(write: () => T): T | undefined {
    return writeTransaction(this.db, () => (this.gate.holdsInDatabase() ? write() : undefined));
  }

  private activeBooking(equipmentId: string, now: number) {
    return this.db.prepare(`SELECT id, org_id, user_id, starts_at, recipe FROM bookings WHERE equipment_id = ? AND status = 'approved'
      AND starts_at <= ? AND ends_at > ? ORDER BY starts_at DESC LIMIT 1`).get(equipmentId, now, now) as { id: string; org_id: string; user_id: string; starts_at: number; recipe: string | null } | undefined;
  }

  /** `since`: when the condition became true; a run starts no earlier than its booking. */
  private open(equipmentId: string, now: number, qualification: string | null, since = now): void {
    const booking = this.activeBooking(equipmentId, now);
    if (!booking) return;
    const startedAt = Math.max(since, booking.starts_at);
    const runId = this.fenced(() => recordRunOpen(this.db, equipmentId, booking, startedAt, qualification, now));
    if (runId === undefined) return;
    this.logger.info({ equipmentId, runId, bookingId: booking.id }, 'run opened: run condition became true');
  }

  /** False when the lease turned out not to be this process's: nothing written. */
  private close(run: OpenRun, endedAt: number, now: number): boolean {
    if (this.fenced(() => { recordRunClose(this.db, run.id, endedAt, now); return true; }) === undefined) return false;
    this.logger.info({ runId: run.id, bookingId: run.booking_id }, 'run closed');
    return true;
  }
}

/**
 * A run opened by its run condition within a booking, with its audit entry; it follows the recipe the booking
 * states. Returns the run's id.
 */
export function recordRunOpen(db: Db, equipmentId: string, booking: { id: string; org_id: string; user_id: string; recipe?: string | null }, startedAt: number, qualification: string | null, now: number): string {
  const run = { id: newId('run'), equipment_id: equipmentId, booking_id: booking.id, org_id: booking.org_id, started_at: startedAt, ended_at: null, opened_by: 'auto', recipe: booking.recipe ?? null };
  writeTransaction(db, () => {
    db.prepare('INSERT INTO runs (id, equipment_id, booking_id, org_id, started_at, ended_at, opened_by, recipe) VALUES (@id, @equipment_id, @booking_id, @org_id, @started_at, @ended_at, @opened_by, @recipe)').run(run);
    touchQualification(db, booking.user_id, qualification, now);
    audit(db, null, now, { action: 'run.open', entity: 'run', entityId: run.id, orgId: run.org_id, after: run });
  });
  return run.id;
}

/**
 * A run that opened and closed in the past (the demo's history, demo/seed-records.ts), inserted closed so it never
 * counts as the equipment's one open run, with the audit entries the tracker writes when it opens (at `startedAt`)
 * and closes it (at `closedAt`, `runCloseAfterS` after it ended).
 */
export function recordClosedRun(db: Db, equipmentId: string, booking: { id: string; org_id: string; user_id: string; recipe?: string | null }, times: { startedAt: number; endedAt: number; closedAt: number }, qualification: string | null): string {
  const open = { id: newId('run'), equipment_id: equipmentId, booking_id: booking.id, org_id: booking.org_id, started_at: times.startedAt, ended_at: null, opened_by: 'auto', recipe: booking.recipe ?? null };
  const closed = { ...open, ended_at: times.endedAt, closed_by: 'auto' };
  writeTransaction(db, () => {
    db.prepare('INSERT INTO runs (id, equipment_id, booking_id, org_id, started_at, ended_at, opened_by, closed_by, recipe) VALUES (@id, @equipment_id, @booking_id, @org_id, @started_at, @ended_at, @opened_by, @closed_by, @recipe)').run(closed);
    touchQualification(db, booking.user_id, qualification, times.startedAt);
    audit(db, null, times.startedAt, { action: 'run.open', entity: 'run', entityId: open.id, orgId: open.org_id, after: open });
    audit(db, null, times.closedAt, { action: 'run.close', entity: 'run', entityId: open.id, orgId: open.org_id, before: open, after: closed });
  });
  return open.id;
}

/** Closes a run because its condition ended (`endedAt`: when it turned false), with its audit entry. */
export function recordRunClose(db: Db, runId: string, endedAt: number, now: number): void {
  writeTransaction(db, () => {
    const before = db.prepare('SELECT * FROM runs WHERE id = ?').get(runId) as Record<string, unknown>;
    db.prepare("UPDATE runs SET ended_at = ?, closed_by = 'auto' WHERE id = ?").run(endedAt, runId);
    audit(db, null, now, { action: 'run.close', entity: 'run', entityId: runId, orgId: before.org_id as string | null, before, after: { ...before, ended_at: endedAt, closed_by: 'auto' } });
  });
}
