import { setTimeout as sleep } from 'node:timers/promises';
import { RollupAccumulator, type MessageExtremes } from '../common/influx/rollups.js';
import { InfluxError } from '../common/influx/v1-client.js';
import type { Logger } from '../common/runtime/logger.js';

/** Minutes untouched this long are dropped from memory; a late reading of one starts another point in it. */
const FORGET_AFTER_MS = 5 * 60_000;

interface Waiter { resolve(): void; reject(err: Error): void }

/**
 * Keeps the per-minute rollups (common/influx/rollups.ts) of what ingest has written. `record` resolves once
 * a rollup write that includes the given extremes succeeded, and ingest acknowledges messages only then: a
 * crash in between leaves them unacknowledged, so they come again and their extremes with them. One write is
 * in flight at a time and each carries the minutes' extremes as they are then, so a later write can never be
 * overtaken by an older one.
 */
export class RollupWriter {
  private readonly rollups = new RollupAccumulator();
  private waiting: Waiter[] = [];
  private running = false;
  private closed = false;

  constructor(
    private readonly write: (body: Buffer) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** Minutes held in memory, for metrics. */
  get minutes(): number {
    return this.rollups.size;
  }

  record(messages: readonly (MessageExtremes | undefined)[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('rollup writer stopped'));
    for (const m of messages) if (m) this.rollups.add(m);
    const done = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (!this.running) void this.run();
    return done;
  }

  /** Rejects what waits, so its messages stay unacknowledged; they are redelivered to the next ingest. */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new Error('rollup writer stopped'));
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.waiting.length && !this.closed) {
      const batch = this.waiting.splice(0);
      const body = this.rollups.takeChanged();
      if (body && !(await this.writeWithRetry(body))) {
        for (const w of batch) w.reject(new Error('rollup writer stopped'));
        break;
      }
      for (const w of batch) w.resolve();
      this.rollups.forget(Date.now() - FORGET_AFTER_MS);
    }
    this.running = false;
  }

  /** True once written (or refused as invalid, which retrying cannot fix); false if stopped first. */
  private async writeWithRetry(body: Buffer): Promise<boolean> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.write(body);
        return true;
      } catch (err) {
        if (err instanceof InfluxError && !err.retryable) {
          // Our own numeric lines; a refusal means the database is not as pilothub laid it out. Plot mode may
          // miss these readings' extremes, so say so loudly, but never hold the readings themselves back.
          this.logger.error({ err: err.message }, 'InfluxDB refused rollup lines; plot-mode histories may miss extremes of the readings just written');
          return true;
        }
        const delay = Math.min(10_000, 100 * 2 ** attempt);
        this.logger.warn({ err: (err as Error).message, retryInMs: delay }, 'rollup write failed; holding the messages unacknowledged and retrying');
        await sleep(delay);
      }
    }
    return false;
  }
}
