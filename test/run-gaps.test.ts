import { describe, expect, it } from 'vitest';
import { openDatabase } from '../api/db/index.js';
import { ensureEquipment } from '../api/sharing/equipment-store.js';
import { closeGapsOfClosedRuns, recordGap, runGaps } from '../api/sharing/run-gaps.js';

const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);
const MIN = 60_000;
const offline = (since: number | undefined) => ({ online: false, reason: 'connection refused by tcp://10.0.0.7:502', since, faults: [] });

/** Outages kept on runs (api/sharing/run-gaps.ts), on a real SQLite database with the migrations applied. */
describe('run gaps', () => {
  function withRun(startedAt: number) {
    const db = openDatabase(':memory:');
    ensureEquipment(db, 'dryer-1', 'Dryer', '', T0);
    db.prepare("INSERT INTO runs (id, equipment_id, started_at, opened_by) VALUES ('run-1', 'dryer-1', ?, 'auto')").run(startedAt);
    return db;
  }

  it('starts a gap at the run\'s start when the outage began before the run (a run opened back-dated)', () => {
    const db = withRun(T0);
    recordGap(db, { id: 'run-1', started_at: T0 }, offline(T0 - 30 * MIN), T0 + 60 * MIN);
    expect(runGaps(db, { id: 'run-1', startedAt: T0, endedAt: null })).toEqual([{ from: T0, to: null, reason: 'connection refused by tcp://10.0.0.7:502' }]);
  });

  it('ends a gap with its run when the run is closed during the outage, so correcting the run later cannot stretch it', () => {
    const db = withRun(T0);
    recordGap(db, { id: 'run-1', started_at: T0 }, offline(T0 + 10 * MIN), T0 + 11 * MIN);
    db.prepare('UPDATE runs SET ended_at = ? WHERE id = ?').run(T0 + 20 * MIN, 'run-1');
    closeGapsOfClosedRuns(db);
    // Staff correct the end to later: the device had come back meanwhile, the gap stays as it was.
    db.prepare('UPDATE runs SET ended_at = ? WHERE id = ?').run(T0 + 60 * MIN, 'run-1');
    expect(runGaps(db, { id: 'run-1', startedAt: T0, endedAt: T0 + 60 * MIN })).toEqual([{ from: T0 + 10 * MIN, to: T0 + 20 * MIN, reason: 'connection refused by tcp://10.0.0.7:502' }]);
  });
});
