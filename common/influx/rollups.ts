import { randomInt } from 'node:crypto';
import type { Reading } from '../contracts/readings.js';
import { ByteWriter } from '../encoding/byte-writer.js';
import { byParameter, seriesFilter, type PlotBucket, type SeriesWhere } from './history-queries.js';
import { escapeTag, MEASUREMENT, readingsToLines, type ReadingKey } from './layout.js';
import type { Logger } from '../runtime/logger.js';
import { InfluxError, influxString, type InfluxV1Client, type Series } from './v1-client.js';

/**
 * Per-minute extremes of numeric readings, so plot mode reads one point per minute instead of every sample
 * (README "Rollups"). Measurement `reading_1m`, the tags of `reading`, fields `min` and `max`, nanosecond times.
 *
 * A minute may hold several rollup points, each the extremes of some of its readings, at distinct times inside
 * the minute; the minute's extremes are the smallest `min` and the largest `max` among them. Writers therefore
 * never read or coordinate: ingest keeps one point per series and minute while it holds the minute in memory
 * and rewrites it as readings arrive; after a restart, for late (store-and-forward) data, or from another ingest
 * instance, a point at another random time in the minute is added. Rebuilds from raw data write at the minute's
 * start, which no other writer uses.
 */
export const ROLLUP_MEASUREMENT = 'reading_1m';
export const MINUTE_MS = 60_000;

export const floorMinute = (t: number) => Math.floor(t / MINUTE_MS) * MINUTE_MS;
export const ceilMinute = (t: number) => Math.ceil(t / MINUTE_MS) * MINUTE_MS;

/** The extremes of one parameter's numeric readings within one minute. */
export interface MinuteExtremes { parameter: string; minute: number; min: number; max: number }
/** What one message contributes to the rollups. */
export interface MessageExtremes { key: ReadingKey; minutes: MinuteExtremes[] }

/** The per-minute extremes of a message's numeric readings; undefined when it has none. On ingest's hot path. */
export function extremesOf(key: ReadingKey, readings: readonly Reading[]): MessageExtremes | undefined {
  const minutes = new Map<string, MinuteExtremes>();
  // Each parameter's latest minute: readings come in time order, so the keyed lookup is rarely needed.
  const latest = new Map<string, MinuteExtremes>();
  for (const r of readings) {
    if (typeof r.v !== 'number') continue;
    const minute = floorMinute(r.t);
    let e = latest.get(r.p);
    if (e?.minute !== minute) {
      const id = `${r.p}\u0000${minute}`;
      e = minutes.get(id);
      if (!e) minutes.set(id, (e = { parameter: r.p, minute, min: r.v, max: r.v }));
      latest.set(r.p, e);
    }
    if (r.v < e.min) e.min = r.v;
    else if (r.v > e.max) e.max = r.v;
  }
  return minutes.size ? { key, minutes: [...minutes.values()] } : undefined;
}

interface MinuteState { prefix: string; stamp: string; min: number; max: number; changed: boolean; touched: number }

/** A time inside the minute (ns, as text: beyond 2^53) other than its start: one per writer's view of the minute. */
const randomStamp = (minute: number) => String(BigInt(minute) * 1_000_000n + BigInt(randomInt(1, MINUTE_MS * 1_000_000)));
const rebuildStamp = (minute: number) => `${minute}000000`;
const prefixOf = (equipment: string, parameter: string, site: string) =>
  `${ROLLUP_MEASUREMENT},equipment=${escapeTag(equipment)},parameter=${escapeTag(parameter)},site=${escapeTag(site)} `;

/** The running extremes of each series and minute this writer has seen, as rollup lines. */
export class RollupAccumulator {
  private readonly states = new Map<string, MinuteState>();

  get size(): number {
    return this.states.size;
  }

  add(message: MessageExtremes, now = Date.now()): void {
    const { equipment, site } = message.key;
    for (const m of message.minutes) {
      const id = `${equipment}\u0000${m.parameter}\u0000${site}\u0000${m.minute}`;
      const state = this.states.get(id);
      if (!state) {
        this.states.set(id, { prefix: prefixOf(equipment, m.parameter, site), stamp: randomStamp(m.minute), min: m.min, max: m.max, changed: true, touched: now });
        continue;
      }
      state.touched = now;
      if (m.min < state.min) { state.min = m.min; state.changed = true; }
      if (m.max > state.max) { state.max = m.max; state.changed = true; }
    }
  }

  /** Line protocol (ns) for every minute whose extremes changed since the last call; undefined if none did. */
  takeChanged(): Buffer | undefined {
    const out = new ByteWriter();
    for (const state of this.states.values()) {
      if (!state.changed) continue;
      state.changed = false;
      if (out.length) out.byte(0x0a);
      out.utf8(`${state.prefix}max=${state.max},min=${state.min} ${state.stamp}`);
    }
    return out.length ? out.bytes() : undefined;
  }

  /** Forgets minutes untouched since `before`: later readings of them start another point in the minute. */
  forget(before: number): void {
    for (const [id, state] of this.states) if (state.touched < before && !state.changed) this.states.delete(id);
  }
}

/** Writes readings and their rollups as ingest does, for tools and tests that write straight into InfluxDB. */
export async function writeReadings(client: InfluxV1Client, key: ReadingKey, readings: readonly Reading[]): Promise<void> {
  await client.write([readingsToLines(key, readings)]);
  const extremes = extremesOf(key, readings);
  if (!extremes) return;
  const rollups = new RollupAccumulator();
  rollups.add(extremes);
  await client.write([rollups.takeChanged()!], 'ns');
}

/**
 * Min and max per bucket from the rollups of the whole minutes [from, toExclusive); both ends and the buckets
 * must lie on minute boundaries (plot mode reads the partial minutes at the edges raw).
 */
export async function queryRollupBuckets(
  client: InfluxV1Client, w: Omit<SeriesWhere, 'to'> & { toExclusive: number }, bucketMs: number, origin: number,
): Promise<Map<string, PlotBucket[]>> {
  const q = `SELECT min("min"), max("max") FROM "${ROLLUP_MEASUREMENT}" WHERE ${seriesFilter(w)} AND time >= ${w.from}ms AND time < ${w.toExclusive}ms `
    + `GROUP BY time(${bucketMs}ms, ${origin % bucketMs}ms), "parameter" fill(none)`;
  return new Map([...byParameter(await client.query(q), w.parameters)].map(([parameter, series]) =>
    [parameter, (series?.values ?? []).map((row) => ({ t: row[0] as number, min: row[1] as number, max: row[2] as number }))]));
}

const DAY_MS = 86_400_000;

/**
 * Recomputes the rollups of [from, to) from the raw readings, a day at a time, for data that was written
 * without them (before rollups existed, or by another tool). Idempotent. Returns the rollup points written.
 */
export async function rebuildRollups(
  client: InfluxV1Client, from: number, to: number, options: { equipment?: string; onDay?: (dayStart: number, points: number) => void } = {},
): Promise<number> {
  const only = options.equipment === undefined ? '' : `"equipment" = ${influxString(options.equipment)} AND `;
  let written = 0;
  for (let start = floorMinute(from); start < to; start += DAY_MS) {
    const end = Math.min(start + DAY_MS, ceilMinute(to));
    const series = await client.query(`SELECT min("value"), max("value") FROM "${MEASUREMENT}" WHERE ${only}time >= ${start}ms AND time < ${end}ms GROUP BY time(1m), "equipment", "parameter", "site" fill(none)`);
    const out = new ByteWriter();
    let points = 0;
    for (const s of series) {
      const prefix = prefixOf(s.tags?.equipment ?? '', s.tags?.parameter ?? '', s.tags?.site ?? '');
      for (const row of s.values) {
        if (out.length) out.byte(0x0a);
        out.utf8(`${prefix}max=${row[2] as number},min=${row[1] as number} ${rebuildStamp(row[0] as number)}`);
        points++;
      }
    }
    if (points) await client.write([out.bytes()], 'ns');
    written += points;
    options.onDay?.(start, points);
  }
  return written;
}

const MARKER = 'pilothub_rollups';

/**
 * Makes sure every raw reading has rollups: on a database that holds readings but not the marker that rollups
 * are kept (an older pilothub wrote them), rebuilds the rollups of all stored data once, then sets the marker.
 * Run by ingest before it consumes, so from then on it keeps them itself.
 */
export async function ensureRollups(client: InfluxV1Client, log: Pick<Logger, 'info' | 'warn'>): Promise<void> {
  let measurements: Series | undefined;
  try {
    [measurements] = await client.query('SHOW MEASUREMENTS');
  } catch (err) {
    if (!(err instanceof InfluxError && err.status === 403)) throw err;
    // A write-only account (as an administrator may give ingest) cannot look; rollups are then kept from now on.
    log.warn('cannot check for readings stored without rollups: the InfluxDB user has no READ right; plot mode may miss extremes of readings written before this version');
    return;
  }
  const names = new Set((measurements?.values ?? []).map((row) => row[0] as string));
  if (names.has(MARKER)) return;
  if (names.has(MEASUREMENT)) {
    const [first] = await client.query(`SELECT first("quality") FROM "${MEASUREMENT}"`);
    const [last] = await client.query(`SELECT last("quality") FROM "${MEASUREMENT}"`);
    const from = first?.values[0]?.[0] as number | undefined;
    const to = last?.values[0]?.[0] as number | undefined;
    if (from !== undefined && to !== undefined) {
      log.info({ from: new Date(from).toISOString(), to: new Date(to).toISOString() }, 'rebuilding rollups for readings stored before rollups were kept (once)');
      const points = await rebuildRollups(client, from, to + 1);
      log.info({ points }, 'rollups rebuilt');
    }
  }
  await client.write(`${MARKER} version=1i ${Date.now()}`);
}
