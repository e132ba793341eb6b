import { setTimeout as sleep } from 'node:timers/promises';
import { InfluxError } from '../common/influx/v1-client.js';
import type { Logger } from '../common/runtime/logger.js';

export interface BatchItem {
  /**
   * Line protocol as UTF-8, lines separated by \n, one buffer per message: held as bytes outside the JS heap
   * rather than as strings, so messages waiting for their write do not burden the garbage collector.
   */
  body: Buffer;
  lines: number;
  /** Called once the lines are durably in InfluxDB. */
  written(): void;
  /** Called when InfluxDB refuses the lines themselves (4xx): they can never be written. */
  refused(reason: string): void;
}

export interface WriteBatcherOptions<T extends BatchItem> {
  /** Flush when this many lines wait. */
  maxLines: number;
  /** Flush at the latest this long after the first line of a batch arrived. */
  maxDelayMs: number;
  /** Above this many unwritten lines, `whenRoom()` waits: back-pressure instead of unbounded memory. */
  maxPendingLines: number;
  /** Writes in flight at once (default 1). OrderedAcks keeps PUBACKs in arrival order whichever lands first. */
  concurrentWrites?: number;
  /**
   * Work that must be durable before items are acknowledged, run once their lines are written (ingest: the
   * rollups of those lines), or with `refused` for one item InfluxDB refused, before it is given up. It retries
   * on its own; rejecting means the batcher was stopped.
   */
  confirm?(items: readonly T[], refused: boolean): Promise<void>;
}

/** How long to wait before retry number `attempt` (from 0) of a failed InfluxDB write: 100 ms doubling, at most 10 s. */
export const retryDelayMs = (attempt: number) => Math.min(10_000, 100 * 2 ** attempt);

export interface BatchEvents {
  written?(lines: number, ms: number): void;
  failed?(error: string): void;
}

/**
 * Groups lines into InfluxDB writes by size and time, with up to `concurrentWrites` writes in flight
 * (a second write hides one HTTP round trip; InfluxDB 1.x scales to ~2 writers on 2 cores). A failed
 * write is retried with capped exponential backoff; its messages stay unacknowledged and, since
 * acknowledgements leave in arrival order, so do all behind it. Data is never dropped for being slow.
 */
export class WriteBatcher<T extends BatchItem = BatchItem> {
  private current: T[] = [];
  private currentLines = 0;
  private pendingLines = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly queued: T[][] = [];
  private inFlight = 0;
  /** Batches taken from the queue whose messages are not yet acknowledged (or given up). */
  private unsettled = 0;
  private idleWaiters: (() => void)[] = [];
  private roomWaiters: (() => void)[] = [];
  private closed = false;
  /** Set while InfluxDB refuses or is unreachable; for /health. */
  lastError: string | undefined;

  constructor(
    private readonly write: (bodies: readonly Buffer[]) => Promise<void>,
    private readonly options: WriteBatcherOptions<T>,
    private readonly logger: Logger,
    private readonly events: BatchEvents = {},
  ) {}

  get backlog(): number {
    return this.pendingLines;
  }

  add(item: T): void {
    this.current.push(item);
    this.currentLines += item.lines;
    this.pendingLines += item.lines;
    if (this.currentLines >= this.options.maxLines) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.maxDelayMs);
  }

  /** Resolves when the backlog is below the limit. */
  whenRoom(): Promise<void> {
    if (this.pendingLines < this.options.maxPendingLines) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.current.length) {
      const items = this.current;
      this.current = [];
      this.currentLines = 0;
      this.queued.push(items);
      this.pump();
    }
    if (!this.unsettled && !this.queued.length) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < (this.options.concurrentWrites ?? 1) && this.queued.length) {
      const items = this.queued.shift()!;
      this.inFlight++;
      this.unsettled++;
      let released = false;
      // The write slot frees once the lines are in InfluxDB; `confirm` and the acknowledgements follow outside it.
      const release = () => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.pump();
      };
      void this.writeItems(items, release).finally(() => {
        release();
        this.unsettled--;
        if (!this.unsettled && !this.queued.length) for (const wake of this.idleWaiters.splice(0)) wake();
      });
    }
  }

  /** Writes what is queued (retrying as long as it takes) and stops retrying after that. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  /** Gives up on retries at once; unwritten messages stay unacknowledged and are redelivered. */
  abort(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private async writeItems(items: T[], release: () => void): Promise<void> {
    const lines = items.reduce((n, i) => n + i.lines, 0);
    const bodies = items.map((i) => i.body);
    for (let attempt = 0; !this.closed || attempt === 0; attempt++) {
      const started = performance.now();
      try {
        await this.write(bodies);
        this.events.written?.(lines, performance.now() - started);
        release();
        if (!(await this.confirmed(items, false))) return;
        if (this.lastError) this.logger.info({ backlog: this.pendingLines }, 'InfluxDB writes succeed again');
        this.lastError = undefined;
        for (const item of items) item.written();
        break;
      } catch (err) {
        if (err instanceof InfluxError && !err.retryable) {
          await this.isolateRefused(items);
          break;
        }
        this.lastError = (err as Error).message;
        this.events.failed?.(this.lastError);
        const delay = retryDelayMs(attempt);
        this.logger.warn({ err: this.lastError, backlog: this.pendingLines, retryInMs: delay }, 'InfluxDB write failed; holding messages unacknowledged and retrying');
        await sleep(delay);
      }
    }
    this.pendingLines -= lines;
    if (this.pendingLines < this.options.maxPendingLines) for (const wake of this.roomWaiters.splice(0)) wake();
  }

  /** Runs `confirm` for written items; false when the batcher stopped first (the items stay unacknowledged). */
  private async confirmed(items: readonly T[], refused: boolean): Promise<boolean> {
    try {
      await this.options.confirm?.(items, refused);
      return true;
    } catch {
      return false;
    }
  }

  /** InfluxDB refused a batch as invalid: write message by message so only the culprits are refused. */
  private async isolateRefused(items: T[]): Promise<void> {
    for (const item of items) {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.write([item.body]);
          if (!(await this.confirmed([item], false))) return;
          item.written();
          break;
        } catch (err) {
          if (err instanceof InfluxError && !err.retryable) {
            // A "partial write" refusal still stored the message's valid lines: confirm what was stored first.
            if (!(await this.confirmed([item], true))) return;
            item.refused(err.message);
            break;
          }
          if (this.closed) return;
          await sleep(retryDelayMs(attempt));
        }
      }
    }
  }
}
