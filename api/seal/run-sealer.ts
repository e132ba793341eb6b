import { rebuildRollups } from '../../common/influx/rollup-rebuild.js';
import { ceilMinute, floorMinute } from '../../common/influx/rollups.js';
import type { InfluxV1Client } from '../../common/influx/v1-client.js';
import type { Logger } from '../../common/runtime/logger.js';
import { writeTransaction } from '../../common/runtime/sqlite.js';
import type { Db } from '../db/index.js';
import { safeDelayMs, type SealSettings } from './settings.js';

/** How long a claim on a run holds: longer than any rebuild; a process that died while sealing frees it by then. */
const CLAIM_MS = 10 * 60_000;

interface SealRow { id: string; equipment_id: string; started_at: number; ended_at: number }

/**
 * Seals closed runs: once a run has been closed for `delayMs`, rebuilds the rollups of its minutes on its equipment
 * from the raw readings, exact count and sum included (common/influx/rollup-rebuild.ts), and records when that
 * started as the run's sealed_at. Compare and envelopes then read a sealed run's count and mean from the rollups.
 * A small loop: runs asked for first (a compare found them unsealed or with late readings), then the oldest
 * unsealed ones, at most runsPerTick per tick, one at a time.
 */
export class RunSealer {
  private readonly requested = new Set<string>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** Runs whose last seals failed: how many times, and when the next try may be. */
  private readonly failures = new Map<string, number>();
  private readonly backoff = new Map<string, number>();

  constructor(private readonly db: Db, private readonly influx: InfluxV1Client, private readonly now: () => number,
    private readonly logger: Logger, readonly settings: SealSettings) {}

  start(): void {
    if (this.settings.delayMs < safeDelayMs(this.settings)) {
      this.logger.warn({ delayMs: this.settings.delayMs, safeMs: safeDelayMs(this.settings) }, 'run seal delay shorter than the late-reading age plus clock tolerance: a late reading may go unmarked and a sealed run miss it in compare and envelopes');
    }
    const loop = () => {
      // A database error outside one run's seal (SQLITE_BUSY past the busy timeout) is logged; the loop goes on.
      this.ticking = this.tick().catch((err: Error) => this.logger.warn({ err: err.message }, 'run sealing tick failed; trying again at the next')).finally(() => {
        this.ticking = undefined;
        if (!this.abort.signal.aborted) this.timer = setTimeout(loop, this.settings.tickMs);
      });
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.timer);
    await this.ticking;
  }

  /** Seals (again) `runId` at the next tick, if it is closed and past the delay by then. */
  request(runId: string): void {
    this.requested.add(runId);
  }

  private async tick(): Promise<void> {
    const due = this.now() - this.settings.delayMs;
    const wall = Date.now();
    for (const [id, retryAt] of this.backoff) if (retryAt <= wall) this.backoff.delete(id);
    const get = this.db.prepare('SELECT id, equipment_id, started_at, ended_at FROM runs WHERE id = ? AND ended_at IS NOT NULL AND ended_at <= ?');
    // Runs whose seal failed lately wait out their backoff (asked for or not), so one that always fails cannot hold
    // up the others; asked-for ones stay asked for.
    const asked = [...this.requested].filter((id) => !this.backoff.has(id)).flatMap((id) => {
      this.requested.delete(id);
      const row = get.get(id, due) as SealRow | undefined;
      return row ? [row] : [];
    });
    const unsealed = (this.db.prepare('SELECT id, equipment_id, started_at, ended_at FROM runs WHERE sealed_at IS NULL AND ended_at IS NOT NULL AND ended_at <= ? ORDER BY ended_at LIMIT ?')
      .all(due, this.settings.runsPerTick + this.backoff.size) as SealRow[]).filter((r) => !this.backoff.has(r.id));
    const todo = [...asked, ...unsealed.filter((r) => !asked.some((a) => a.id === r.id))];
    // What does not fit this tick is asked for again, so a burst of requests is not lost.
    for (const row of todo.slice(this.settings.runsPerTick)) this.requested.add(row.id);
    for (const row of todo.slice(0, this.settings.runsPerTick)) {
      if (this.abort.signal.aborted) return;
      const claim = this.claim(row.id);
      // Another process is sealing it: asked for again, so a reseal this process needs is not dropped.
      if (claim === null) { this.requested.add(row.id); continue; }
      try {
        await this.seal(row, claim);
        this.failures.delete(row.id);
      } catch (err) {
        this.release(row.id, claim);
        if (this.abort.signal.aborted) return;
        const failures = (this.failures.get(row.id) ?? 0) + 1;
        this.failures.set(row.id, failures);
        const waitMs = Math.min(3_600_000, 60_000 * 2 ** (failures - 1));
        this.backoff.set(row.id, Date.now() + waitMs);
        this.logger.warn({ equipmentId: row.equipment_id, runId: row.id, failures, retryInS: waitMs / 1000, err: (err as Error).message }, 'sealing a run failed; compare reads it raw until a later try seals it');
      }
    }
  }

  /**
   * Claims the run for this process until CLAIM_MS from now, unless another process holds a live claim: two
   * rebuilds of one run at once could leave the older one's sums written last, under the newer seal's time. Returns
   * the claim (its expiry, which every later statement checks, so a claim that ran out and was taken is never
   * mistaken for this one), or null.
   */
  private claim(runId: string): { until: number } | null {
    const now = Date.now();
    const until = now + CLAIM_MS;
    const taken = writeTransaction(this.db, () => this.db.prepare('UPDATE runs SET sealing_until = ? WHERE id = ? AND (sealing_until IS NULL OR sealing_until < ?)')
      .run(until, runId, now).changes) === 1;
    return taken ? { until } : null;
  }

  /** Extends the claim once per hour of data rebuilt; fails when another process has taken the run meanwhile. */
  private renew(runId: string, claim: { until: number }): void {
    const until = Date.now() + CLAIM_MS;
    const renewed = writeTransaction(this.db, () => this.db.prepare('UPDATE runs SET sealing_until = ? WHERE id = ? AND sealing_until = ?').run(until, runId, claim.until).changes);
    if (!renewed) throw new Error('another process took over sealing this run');
    claim.until = until;
  }

  /** Gives the claim back, if it is still this process's; never throws (it runs on the way out of a failure). */
  private release(runId: string, claim: { until: number }): void {
    try {
      writeTransaction(this.db, () => this.db.prepare('UPDATE runs SET sealing_until = NULL WHERE id = ? AND sealing_until = ?').run(runId, claim.until));
    } catch (err) {
      this.logger.warn({ runId, err: (err as Error).message }, 'could not give back the claim on a run; it runs out by itself');
    }
  }

  private async seal(row: SealRow, claim: { until: number }): Promise<void> {
    // Taken before the rebuild reads anything: a reading stored after this has a late marker written after it.
    const sealedAt = Date.now();
    const started = performance.now();
    const points = await rebuildRollups(this.influx, floorMinute(row.started_at), ceilMinute(row.ended_at), {
      equipment: row.equipment_id, signal: this.abort.signal, sums: true, onWindow: () => this.renew(row.id, claim),
    });
    // Only if the window is still the one rebuilt and the claim still this process's: else it is sealed again later.
    const changed = writeTransaction(this.db, () => this.db.prepare('UPDATE runs SET sealed_at = ?, sealing_until = NULL WHERE id = ? AND started_at = ? AND ended_at = ? AND sealing_until = ?')
      .run(sealedAt, row.id, row.started_at, row.ended_at, claim.until).changes);
    if (!changed) this.release(row.id, claim);
    const ms = Math.round(performance.now() - started);
    this.logger.info({ equipmentId: row.equipment_id, runId: row.id, points, ms, sealed: changed === 1 }, changed ? 'run sealed' : 'run changed or taken over while sealing; sealing it again later');
    this.settings.onSealed?.(row.id, ms);
  }
}
