import { setTimeout as sleep } from 'node:timers/promises';
import { RollupAccumulator, type MessageExtremes } from '../common/influx/rollups.js';
import { InfluxError } from '../common/influx/v1-client.js';
import type { Logger } from '../common/runtime/logger.js';

/** Minutes untouched this long are dropped from memory; a late reading of one starts another point in it. */
const FORGET_AFTER_MS = 5 * 60_000;
/** Rollup lines per write: a few hundred kB at most. */
const LINES_PER_WRITE = 5000;

interface Waiter { resolve(): void; reject(err: Error): void }

export interface RollupStore {
  /** Writes rollup lines (ns precision). */
  write(body: Buffer): Promise<void>;
  /** Recomputes one equipment's rollups of [from, to) from the raw readings. */
  rebuild(equipment: string, from: number, to: number): Promise<void>;
}

const stopped = () => new Error('rollup writer stopped');
const backoff = (attempt: number) => Math.min(10_000, 100 * 2 ** attempt);

/**
 * Keeps the per-minute rollups (common/influx/rollups.ts) of what ingest has written. `record` resolves once
 * rollup writes that include the given extremes succeeded, and ingest acknowledges messages only then: a crash
 * in between leaves them unacknowledged, so they come again and their extremes with them. One write is in
 * flight at a time and each carries the minutes' extremes as they are then; a write that failed, and might
 * still land late, has its minutes moved to new times before they are written again, so no older write can
 * overwrite a newer one.
 */
export class RollupWriter {
  private readonly rollups = new RollupAccumulator();
  private waiting: Waiter[] = [];
  private running = false;
  private closed = false;
  private lastForget = Date.now();
  /** Set while rollup writes fail; for /health. */
  lastError: string | undefined;

  constructor(private readonly store: RollupStore, private readonly logger: Logger) {}

  record(messages: readonly (MessageExtremes | undefined)[]): Promise<void> {
    if (this.closed) return Promise.reject(stopped());
    for (const m of messages) if (m) this.rollups.add(m);
    const done = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (!this.running) void this.run();
    return done;
  }

  /**
   * For a message InfluxDB refused (400): it may have stored some of its lines (a "partial write") but not
   * others, so its extremes cannot be trusted either way; the rollups of its minutes are recomputed from what
   * was actually stored.
   */
  async reconcile(message: MessageExtremes | undefined): Promise<void> {
    if (!message) return;
    const from = Math.min(...message.minutes.map((m) => m.minute));
    const to = Math.max(...message.minutes.map((m) => m.minute)) + 60_000;
    const { equipment } = message.key;
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw stopped();
      try {
        await this.store.rebuild(equipment, from, to);
        return;
      } catch (err) {
        if (err instanceof InfluxError && !err.retryable) {
          this.logger.error({ equipmentId: equipment, err: err.message }, 'cannot recompute the rollups of a refused message; plot mode may miss its extremes');
          return;
        }
        this.logger.warn({ equipmentId: equipment, err: (err as Error).message, retryInMs: backoff(attempt) }, 'recomputing rollups failed; retrying');
        await sleep(backoff(attempt));
      }
    }
  }

  /** Rejects what waits, so its messages stay unacknowledged; they are redelivered to the next ingest. */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(stopped());
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.waiting.length && !this.closed) {
      const batch = this.waiting.splice(0);
      let attempt = 0;
      for (let part = this.rollups.takeChanged(LINES_PER_WRITE); part && !this.closed; part = this.rollups.takeChanged(LINES_PER_WRITE)) {
        if (await this.written(part.body)) { attempt = 0; continue; }
        this.rollups.restamp(part);
        await sleep(backoff(attempt++));
      }
      if (this.closed) {
        for (const w of batch) w.reject(stopped());
        break;
      }
      for (const w of batch) w.resolve();
      if (Date.now() - this.lastForget > 30_000) {
        this.lastForget = Date.now();
        this.rollups.forget(this.lastForget - FORGET_AFTER_MS);
      }
    }
    this.running = false;
  }

  /** True once written, or refused as invalid (retrying cannot fix that); false when it failed and may be retried. */
  private async written(body: Buffer): Promise<boolean> {
    try {
      await this.store.write(body);
      this.lastError = undefined;
      return true;
    } catch (err) {
      if (err instanceof InfluxError && !err.retryable) {
        // Our own numeric lines; a refusal means the database is not as pilothub laid it out. Plot mode may
        // miss these readings' extremes, so say so loudly, but never hold the readings themselves back.
        this.logger.error({ err: err.message }, 'InfluxDB refused rollup lines; plot-mode histories may miss extremes of the readings just written');
        return true;
      }
      this.lastError = (err as Error).message;
      this.logger.warn({ err: this.lastError }, 'rollup write failed; holding the messages unacknowledged and retrying');
      return false;
    }
  }
}
