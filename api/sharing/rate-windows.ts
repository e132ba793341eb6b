import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import type { Db } from '../db/index.js';

export interface RateWindow { count: number; resetAt: number }

/**
 * Fixed-window counters kept in the API's database, so several API processes on one database count every request
 * together (a login limit per process would let an attacker multiply it by spreading over them). Each hit is one
 * atomic statement: no process can lose another's count.
 */
export class RateWindows {
  private lastPrune = 0;

  constructor(private readonly db: Db) {}

  /** Counts one more in `key`'s window, opening a new window of `windowMs` when the last one has passed. */
  hit(key: string, windowMs: number, now: number): RateWindow {
    this.prune(now);
    const row = this.db.prepare(`INSERT INTO rate_windows (key, count, reset_at) VALUES (@key, 1, @resetAt)
      ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN reset_at <= @now THEN 1 ELSE count + 1 END,
        reset_at = CASE WHEN reset_at <= @now THEN excluded.reset_at ELSE reset_at END
      RETURNING count, reset_at`).get({ key, resetAt: now + windowMs, now }) as { count: number; reset_at: number };
    return { count: row.count, resetAt: row.reset_at };
  }

  /** The open window of `key` without counting; count 0 when none is open. */
  peek(key: string, now: number): RateWindow {
    const row = this.db.prepare('SELECT count, reset_at FROM rate_windows WHERE key = ? AND reset_at > ?').get(key, now) as { count: number; reset_at: number } | undefined;
    return row ? { count: row.count, resetAt: row.reset_at } : { count: 0, resetAt: now };
  }

  /** Passed windows are forgotten once a minute at most: spraying from many addresses must not grow the table without end. */
  private prune(now: number): void {
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    this.db.prepare('DELETE FROM rate_windows WHERE reset_at <= ?').run(now);
  }
}

type StoreCallback = (err: Error | null, result: { current: number; ttl: number }) => void;

/**
 * A store for @fastify/rate-limit (its `store` option) over RateWindows: the route's limit holds across API
 * processes. `child` is called once per limited route; the route's URL keeps routes' counters apart.
 */
export function rateLimitStore(windows: RateWindows, now: () => number) {
  class DatabaseStore {
    private readonly prefix: string;
    /** The plugin passes its options; a route's child gets the route's prefix. */
    constructor(_options?: unknown, prefix = '') {
      this.prefix = prefix;
    }
    incr(key: string, callback: StoreCallback, timeWindow: number): void {
      const at = now();
      const w = windows.hit(`${this.prefix}${key}`, timeWindow, at);
      callback(null, { current: w.count, ttl: w.resetAt - at });
    }
    read(key: string, callback: StoreCallback): void {
      const at = now();
      const w = windows.peek(`${this.prefix}${key}`, at);
      callback(null, { current: w.count, ttl: Math.max(0, w.resetAt - at) });
    }
    child(params: Parameters<FastifyRateLimitStore['child']>[0]): DatabaseStore {
      // Typed as the route's options, but the plugin (v11 index.js) passes its merged options with the route under routeInfo.
      const route = (params as unknown as { routeInfo?: { method?: unknown; url?: string } }).routeInfo;
      return new DatabaseStore(undefined, `route|${String(route?.method ?? '')} ${route?.url ?? ''}|`);
    }
  }
  return DatabaseStore;
}
