import type { Availability } from '../live/equipment-registry.js';
import type { Db } from '../db/index.js';

/** A time the device did not answer during a run, clipped to the run; `to` is null while it lasts in an open run. */
export interface RunGap { from: number; to: number | null; reason: string }

interface GapRow { id: number; started_at: number; ended_at: number | null; reason: string }

/**
 * Whether `recordGap` would write: offline with no open gap, or online with one. A plain read, so the usual case (a
 * live message while the device answers) takes no write lock; the write re-checks under the lock.
 */
export function gapChangeDue(db: Db, runId: string, availability: Availability): boolean {
  const open = db.prepare('SELECT 1 FROM run_gaps WHERE run_id = ? AND ended_at IS NULL').get(runId) !== undefined;
  return availability.online === open;
}

/**
 * Keeps the open run's gaps in step with what the equipment's availability says: one gap opens when it goes
 * offline, the open one closes when it is back. `since` comes from the device (wall clock), clamped into the run:
 * an outage that began before the run starts the gap at the run's start, never after now.
 */
export function recordGap(db: Db, run: { id: string; started_at: number }, availability: Availability, now: number): void {
  const open = db.prepare('SELECT id, started_at, ended_at, reason FROM run_gaps WHERE run_id = ? AND ended_at IS NULL').get(run.id) as GapRow | undefined;
  if (availability.online) {
    if (open) db.prepare('UPDATE run_gaps SET ended_at = ? WHERE id = ?').run(Math.max(now, open.started_at), open.id);
    return;
  }
  if (open) return;
  const since = availability.since;
  const startedAt = since === undefined || since > now ? Math.max(run.started_at, now) : Math.max(since, run.started_at);
  db.prepare('INSERT INTO run_gaps (run_id, started_at, ended_at, reason) VALUES (?, ?, NULL, ?)').run(run.id, startedAt, availability.reason ?? 'offline');
}

/** The run's gaps inside its window [startedAt, endedAt); a gap still open ends with the run, or lasts (null) while the run does. */
export function runGaps(db: Db, run: { id: string; startedAt: number; endedAt: number | null }): RunGap[] {
  const rows = db.prepare('SELECT id, started_at, ended_at, reason FROM run_gaps WHERE run_id = ? ORDER BY started_at').all(run.id) as GapRow[];
  const end = run.endedAt ?? Number.POSITIVE_INFINITY;
  return rows.flatMap((g) => {
    const from = Math.max(g.started_at, run.startedAt);
    const to = Math.min(g.ended_at ?? Number.POSITIVE_INFINITY, end);
    if (from >= to) return [];
    return [{ from, to: Number.isFinite(to) ? to : null, reason: g.reason }];
  });
}

/**
 * A run closed (by the tracker, by hand, or corrected) while its device was offline ends its open gap with it, so a
 * later correction of the run's end cannot stretch the gap over time the device was back.
 */
export function closeGapsOfClosedRuns(db: Db): void {
  db.prepare(`UPDATE run_gaps SET ended_at = MAX(started_at, (SELECT ended_at FROM runs WHERE runs.id = run_gaps.run_id))
    WHERE ended_at IS NULL AND EXISTS (SELECT 1 FROM runs WHERE runs.id = run_gaps.run_id AND runs.ended_at IS NOT NULL)`).run();
}
