import { setTimeout as sleep } from 'node:timers/promises';
import { ByteWriter } from '../encoding/byte-writer.js';
import type { Logger } from '../runtime/logger.js';
import { MEASUREMENT } from './layout.js';
import { ceilMinute, floorMinute, rebuildStamp, rollupLine, rollupPrefix } from './rollups.js';
import { InfluxError, influxString, type InfluxV1Client, type Series } from './v1-client.js';

const HOUR_MS = 3_600_000;
/** Lines per rollup write when rebuilding: a few hundred kB, far below InfluxDB's 25 MB body limit. */
const LINES_PER_WRITE = 5000;

export interface RebuildOptions {
  /** Only this equipment (default: all). */
  equipment?: string;
  /**
   * Where in each minute the points go: by default its start, so a later rebuild replaces them; freshStamp for
   * points that only add (a recompute that may race another one, rollups.ts). Only points at the minutes' starts
   * carry the exact count and sum (rollupLine): several points of one minute would add up to more.
   */
  stamp?: (minute: number) => string;
  /** Write the exact count and sum too (at the minutes' starts only): for sealing runs (api/seal), nothing else. */
  sums?: boolean;
  /** After each hour: its start and end and the rollup points written for it. */
  onWindow?(from: number, to: number, points: number): Promise<void> | void;
  signal?: AbortSignal;
}

/**
 * Recomputes the rollups of the whole minutes from `from` to `to` from the raw readings, for data written without
 * them (before rollups existed, or by another tool), and seals runs (api/seal). An hour at a time, each a chunked query whose answer is
 * written in bodies of at most LINES_PER_WRITE lines, so any number of series fits. Idempotent: it writes at the
 * minutes' starts, which only rebuilds use. Returns the rollup points written.
 */
export async function rebuildRollups(client: InfluxV1Client, from: number, to: number, options: RebuildOptions = {}): Promise<number> {
  const only = options.equipment === undefined ? '' : `"equipment" = ${influxString(options.equipment)} AND `;
  const stamp = options.stamp ?? rebuildStamp;
  // Only a run's seal writes sums (api/seal claims the run first): two rebuilds of one minute racing could otherwise
  // leave the older one's sums last. A rebuild without them leaves a seal's sums in place (InfluxDB merges fields).
  const withSums = options.sums === true && options.stamp === undefined;
  const { signal } = options;
  let written = 0;
  for (let start: number | undefined = floorMinute(from); start !== undefined && start < to;) {
    options.signal?.throwIfAborted();
    const end = Math.min(start + HOUR_MS, ceilMinute(to));
    // Bodies are written one after another while the answer still streams in.
    let writing = Promise.resolve();
    const send = (body: Buffer) => {
      writing = writing.then(() => { signal?.throwIfAborted(); return client.write([body], 'ns'); });
      // Marked handled at once (the query may run on for a while); the failure is thrown below.
      writing.catch(() => undefined);
    };
    let out = new ByteWriter();
    let lines = 0;
    let points = 0;
    const query = client.queryChunks(`SELECT min("value"), max("value"), count("value"), sum("value") FROM "${MEASUREMENT}" WHERE ${only}time >= ${start}ms AND time < ${end}ms GROUP BY time(1m), "equipment", "parameter", "site" fill(none)`, (chunk) => {
      for (const s of chunk) {
        const prefix = rollupPrefix(s.tags?.equipment ?? '', s.tags?.parameter ?? '', s.tags?.site ?? '');
        for (const row of s.values) {
          if (typeof row[1] !== 'number' || typeof row[2] !== 'number') continue;
          if (lines) out.byte(0x0a);
          const sums = withSums && typeof row[3] === 'number' && typeof row[4] === 'number' ? { count: row[3], sum: row[4] } : undefined;
          out.utf8(rollupLine(prefix, row[1], row[2], stamp(row[0] as number), sums));
          points++;
          if (++lines === LINES_PER_WRITE) {
            send(out.bytes());
            out = new ByteWriter();
            lines = 0;
          }
        }
      }
    }, 10_000, signal);
    // Both settle before either error is thrown: no write is left running behind a failed query.
    const [queried, wrote] = await Promise.allSettled([query, writing]);
    if (queried.status === 'rejected') throw queried.reason;
    if (lines) send(out.bytes());
    await writing;
    if (wrote.status === 'rejected') throw wrote.reason;
    written += points;
    signal?.throwIfAborted();
    await options.onWindow?.(start, end, points);
    // An empty hour: skip straight to the next stored reading, so sparse years take a few queries, not thousands.
    start = points ? end : await nextReading(client, only, end, signal);
  }
  return written;
}

/** One cell of a one-row answer (column 0 is the time), or undefined when there is no row. */
async function cell(client: InfluxV1Client, q: string, column: number, signal?: AbortSignal): Promise<unknown> {
  const [series] = await client.query(q, { signal });
  return series?.values[0]?.[column];
}

/** The minute of the first reading at or after `from`, or undefined when there is none. */
async function nextReading(client: InfluxV1Client, only: string, from: number, signal?: AbortSignal): Promise<number | undefined> {
  const t = await cell(client, `SELECT first("quality") FROM "${MEASUREMENT}" WHERE ${only}time >= ${from}ms`, 0, signal);
  return typeof t === 'number' ? floorMinute(t) : undefined;
}

/** Measurement recording that rollups are kept: `rebuilt_until` (epoch ms) while rebuilding, `complete` once done. */
const MARKER = 'pilothub_rollups';

/**
 * Makes sure every raw reading has rollups. On a database that holds readings from before rollups were kept,
 * rebuilds them, an hour at a time, recording its progress so a restart resumes where it stopped, and marks the
 * database complete at the end. Run by ingest alongside consuming (rebuilt rollup points add to the ones ingest
 * writes, never replace them); until it finishes, plot mode may miss extremes of the older data.
 */
export async function ensureRollups(client: InfluxV1Client, log: Pick<Logger, 'info' | 'warn'>, signal?: AbortSignal): Promise<void> {
  let measurements: Series | undefined;
  try {
    [measurements] = await client.query('SHOW MEASUREMENTS', { signal });
  } catch (err) {
    if (!(err instanceof InfluxError && err.status === 403)) throw err;
    // A write-only account (as an administrator may give ingest) cannot look; rollups are then kept from now on.
    log.warn('cannot check for readings stored without rollups: the InfluxDB user has no READ right; plot mode may miss extremes of readings written before this version (pilothub rollups rebuild recomputes them)');
    return;
  }
  const names = new Set((measurements?.values ?? []).map((row) => row[0] as string));
  let resumeFrom: number | undefined;
  if (names.has(MARKER)) {
    if ((await cell(client, `SELECT last("complete") FROM "${MARKER}"`, 1, signal)) === true) return;
    resumeFrom = (await cell(client, `SELECT max("rebuilt_until") FROM "${MARKER}"`, 1, signal)) as number | undefined;
  }
  if (names.has(MEASUREMENT)) {
    const first = (await cell(client, `SELECT first("quality") FROM "${MEASUREMENT}"`, 0, signal)) as number | undefined;
    const last = (await cell(client, `SELECT last("quality") FROM "${MEASUREMENT}"`, 0, signal)) as number | undefined;
    if (first !== undefined && last !== undefined) {
      // Up to the last reading stored now: what is written from now on comes through ingest, rollups included.
      const from = resumeFrom ?? first;
      const to = last + 1;
      log.info({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), resumed: resumeFrom !== undefined }, 'rebuilding rollups for readings stored before rollups were kept (once)');
      const points = await rebuildRollups(client, from, to, {
        signal, onWindow: (_start, end) => client.write(`${MARKER} rebuilt_until=${end}i ${Date.now()}`),
      });
      log.info({ points }, 'rollups rebuilt');
    }
  }
  await client.write(`${MARKER} complete=true ${Date.now()}`);
}

/** ensureRollups until it succeeds or `signal` aborts, retrying after failures (InfluxDB away) with backoff. */
export async function ensureRollupsInBackground(client: InfluxV1Client, log: Pick<Logger, 'info' | 'warn' | 'error'>, signal: AbortSignal): Promise<void> {
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      await ensureRollups(client, log, signal);
      return;
    } catch (err) {
      if (signal.aborted) return;
      const retryInMs = Math.min(60_000, 1000 * 2 ** attempt);
      log.error({ err: (err as Error).message, retryInMs }, 'rebuilding rollups failed; trying again');
      await sleep(retryInMs, undefined, { signal }).catch(() => undefined);
    }
  }
}
