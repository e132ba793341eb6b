import { setTimeout as sleep } from 'node:timers/promises';
import { isLateMinute, lateMarkerLine } from '../common/influx/late-readings.js';
import { RollupAccumulator, type MessageExtremes } from '../common/influx/rollups.js';
import { InfluxError } from '../common/influx/v1-client.js';
import type { Logger } from '../common/runtime/logger.js';
import { retryDelayMs } from './write-batcher.js';

/** Minutes untouched this long are dropped from memory; a late reading of one starts another point in it. */
const FORGET_AFTER_MS = 5 * 60_000;
/** Rollup lines per write: a few hundred kB at most. */
const LINES_PER_WRITE = 5000;
/**
 * Rounds start at most this often: under load the rollups of several raw writes go in one write (InfluxDB 1.x
 * syncs its WAL per write request, so one small rollup write per raw write cost ingest ~10% of its throughput),
 * for at most this much more delay before messages are acknowledged.
 */
const ROUND_INTERVAL_MS = 50;

interface Waiter { resolve(): void; reject(err: Error): void }

export interface RollupStore {
  /** Writes rollup lines (ns precision). */
  write(body: Buffer): Promise<void>;
  /** Recomputes one equipment's rollups of the minutes [from, to) from the raw readings, as points that only add. */
  recompute(equipment: string, from: number, to: number): Promise<void>;
}

const stopped = () => new Error('rollup writer stopped');
// Unreferenced: a retry pending when ingest stops must not keep the process alive.
const pause = (ms: number) => sleep(ms, undefined, { ref: false });

/** A message's minutes as ranges [from, to), neighbours within an hour joined: few queries, none over empty days. */
function minuteRanges(minutes: readonly number[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const minute of [...new Set(minutes)].sort((a, b) => a - b)) {
    const last = ranges.at(-1);
    if (last && minute - last[1] <= 3_600_000) last[1] = minute + 60_000;
    else ranges.push([minute, minute + 60_000]);
  }
  return ranges;
}

/**
 * Keeps the per-minute rollups (common/influx/rollups.ts) of what ingest has written. `record` resolves once
 * rollup writes that include the given extremes succeeded, and ingest acknowledges messages only then: a crash
 * in between leaves them unacknowledged, so they come again and their extremes with them. One write is in
 * flight at a time and each carries the minutes' extremes as they are then; a write that failed, and might
 * still land late, has its minutes moved to new times before they are written again, so no older write can
 * overwrite a newer one. Each round also writes the late-reading markers of the messages it covers
 * (common/influx/late-readings.ts), so those are stored before the messages are acknowledged too.
 */
export class RollupWriter {
  private readonly rollups = new RollupAccumulator();
  /** Late-reading markers (common/influx/late-readings.ts) to write with the next round, by equipment and minute. */
  private readonly late = new Map<string, string>();
  private waiting: Waiter[] = [];
  private running = false;
  private closed = false;
  private lastForget = Date.now();
  private lastRound = 0;
  /** Set while rollup writes fail; for /health. */
  lastError: string | undefined;

  constructor(private readonly store: RollupStore, private readonly logger: Logger) {}

  record(messages: readonly (MessageExtremes | undefined)[]): Promise<void> {
    if (this.closed) return Promise.reject(stopped());
    for (const m of messages) {
      if (!m) continue;
      this.rollups.add(m);
      this.markLate(m);
    }
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
    const { equipment } = message.key;
    this.markLate(message);
    for (const [from, to] of minuteRanges(message.minutes.map((m) => m.minute))) {
      for (let attempt = 0; ; attempt++) {
        if (this.closed) throw stopped();
        try {
          await this.store.recompute(equipment, from, to);
          this.lastError = undefined;
          break;
        } catch (err) {
          if (err instanceof InfluxError && !err.retryable) {
            this.logger.error({ equipmentId: equipment, err: err.message }, 'cannot recompute the rollups of a refused message; plot mode may miss its extremes');
            break;
          }
          this.lastError = (err as Error).message;
          this.logger.warn({ equipmentId: equipment, err: this.lastError, retryInMs: retryDelayMs(attempt) }, 'recomputing rollups failed; retrying');
          await pause(retryDelayMs(attempt));
        }
      }
    }
    // A round writes its late markers (what it stored may be late too) before the message is acknowledged.
    if (this.late.size) await this.record([]);
  }

  /**
   * Called once the message's readings are stored (its raw write succeeded), so a marker's writtenAt is never
   * earlier than its readings landed: a seal that started before that sees the marker as newer (api/seal).
   */
  private markLate(message: MessageExtremes, now = Date.now()): void {
    for (const m of message.minutes) {
      if (isLateMinute(m.minute, now)) this.late.set(`${message.key.equipment}\u0000${m.minute}`, lateMarkerLine(message.key.equipment, m.minute, now));
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
      const wait = this.lastRound + ROUND_INTERVAL_MS - Date.now();
      if (wait > 0) await pause(wait);
      if (this.closed) break;
      this.lastRound = Date.now();
      // This round writes what changed up to now; what changes meanwhile waits for the next, with its records.
      const batch = this.waiting.splice(0);
      const todo = this.rollups.takeChanged();
      const markers = [...this.late.values()];
      this.late.clear();
      let attempt = 0;
      // The markers first: the messages are acknowledged only once they are stored, as their rollups are.
      while (markers.length && !this.closed && !(await this.written(Buffer.from(markers.join('\n')), 'late markers'))) await pause(retryDelayMs(attempt++));
      attempt = 0;
      for (let at = 0; at < todo.length && !this.closed;) {
        const part = todo.slice(at, at + LINES_PER_WRITE);
        if (await this.written(this.rollups.lines(part))) {
          at += part.length;
          attempt = 0;
          continue;
        }
        this.rollups.restamp(part);
        await pause(retryDelayMs(attempt++));
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
  private async written(body: Buffer, what: 'rollups' | 'late markers' = 'rollups'): Promise<boolean> {
    try {
      await this.store.write(body);
      this.lastError = undefined;
      return true;
    } catch (err) {
      if (err instanceof InfluxError && !err.retryable) {
        // Our own numeric lines; a refusal means the database is not as pilothub laid it out. Say what is missed,
        // loudly, but never hold the readings themselves back.
        this.logger.error({ err: err.message, what }, what === 'rollups'
          ? 'InfluxDB refused rollup lines; plot-mode histories may miss extremes of the readings just written'
          : 'InfluxDB refused late-reading markers; sealed runs may miss the late readings just written in compare and envelopes until they are sealed again');
        this.lastError = undefined;
        return true;
      }
      this.lastError = (err as Error).message;
      this.logger.warn({ err: this.lastError }, 'rollup write failed; holding the messages unacknowledged and retrying');
      return false;
    }
  }
}
