import type { Quality, ReadingValue } from '../contracts/readings.js';
import { MEASUREMENT, type StoredPoint } from './layout.js';
import { influxString, type InfluxV1Client, type Series } from './v1-client.js';

/**
 * Read helpers for histories and reports over the layout in layout.ts (README "Data layout").
 * Every query names the parameters explicitly and groups by the `parameter` tag, so one InfluxQL
 * statement serves several parameters and InfluxDB applies LIMIT per parameter.
 */
/**
 * Which series and when: [from, to), half-open, so two ranges that touch (two runs handing over at one instant)
 * never both hold the point at that instant (issue #12).
 */
export interface SeriesWhere { equipment: string; parameters: string[]; from: number; to: number }

export const AGGREGATE_FUNCTIONS = ['mean', 'min', 'max', 'first', 'last', 'count'] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

export interface AggregateRow { t: number; values: Partial<Record<AggregateFunction, number | null>> }
/** One plot bucket: the smallest and largest value in [t, t + bucketMs) and how many samples it held. */
export interface PlotBucket { t: number; min: number; max: number }

/** The equipment and parameters of a query, without its time range. */
export function seriesFilter(w: Pick<SeriesWhere, 'equipment' | 'parameters'>): string {
  const params = w.parameters.map((p) => `"parameter" = ${influxString(p)}`).join(' OR ');
  return `"equipment" = ${influxString(w.equipment)} AND (${params})`;
}

function whereClause(w: SeriesWhere): string {
  return `${seriesFilter(w)} AND time >= ${w.from}ms AND time < ${w.to}ms`;
}

export function byParameter(series: Series[], parameters: string[]): Map<string, Series | undefined> {
  const found = new Map(series.map((s) => [s.tags?.parameter ?? '', s]));
  return new Map(parameters.map((p) => [p, found.get(p)]));
}

function columnIndex(series: Series, name: string): number {
  return series.columns.indexOf(name);
}

/** Raw points of several parameters in [from, to), oldest first; at most `limit` per parameter. */
export async function queryRawSeries(client: InfluxV1Client, w: SeriesWhere, limit: number): Promise<Map<string, StoredPoint[]>> {
  const q = `SELECT "value","value_bool","value_str","quality" FROM "${MEASUREMENT}" WHERE ${whereClause(w)} GROUP BY "parameter" ORDER BY time ASC LIMIT ${limit}`;
  const out = new Map<string, StoredPoint[]>(w.parameters.map((p) => [p, []]));
  // Chunked: rows are turned into points while InfluxDB still reads the rest.
  await client.queryChunks(q, (chunk) => {
    for (const series of chunk) {
      const points = out.get(series.tags?.parameter ?? '');
      if (!points) continue;
      const [it, iv, ib, is, iq] = ['time', 'value', 'value_bool', 'value_str', 'quality'].map((c) => columnIndex(series, c)) as [number, number, number, number, number];
      for (const row of series.values) {
        points.push({ t: row[it] as number, v: (row[iv] ?? row[ib] ?? row[is] ?? null) as ReadingValue | null, q: (row[iq] ?? 'good') as Quality });
      }
    }
  });
  return out;
}

/**
 * Buckets of `intervalMs` aligned on `origin` (default `from`; the GROUP BY offset aligns them on the requested
 * start rather than on the epoch), one aggregate column per function. Empty buckets are left out.
 */
export async function queryAggregate(
  client: InfluxV1Client, w: SeriesWhere, intervalMs: number, functions: readonly AggregateFunction[], origin = w.from,
): Promise<Map<string, AggregateRow[]>> {
  const select = functions.map((f) => `${f}("value") AS "${f}"`).join(', ');
  const q = `SELECT ${select} FROM "${MEASUREMENT}" WHERE ${whereClause(w)} GROUP BY time(${intervalMs}ms, ${origin % intervalMs}ms), "parameter" fill(none)`;
  const out = new Map<string, AggregateRow[]>();
  for (const [parameter, series] of byParameter(await client.query(q), w.parameters)) {
    if (!series) { out.set(parameter, []); continue; }
    const it = columnIndex(series, 'time');
    const cols = functions.map((f) => [f, columnIndex(series, f)] as const);
    out.set(parameter, series.values.map((row) => ({
      t: row[it] as number,
      values: Object.fromEntries(cols.map(([f, i]) => [f, (row[i] ?? null) as number | null])),
    })));
  }
  return out;
}

/** Per bucket: how many points were stored (any quality, values or not) and how many of them were good. */
export interface QualityCount { t: number; total: number; good: number }

export async function queryQualityCounts(client: InfluxV1Client, w: SeriesWhere, intervalMs: number, origin = w.from): Promise<Map<string, QualityCount[]>> {
  const group = `GROUP BY time(${intervalMs}ms, ${origin % intervalMs}ms), "parameter" fill(none)`;
  const [all, good] = await Promise.all(['', ` AND "quality" = 'good'`].map((extra) =>
    client.query(`SELECT count("quality") FROM "${MEASUREMENT}" WHERE ${whereClause(w)}${extra} ${group}`)));
  const goodBy = byParameter(good!, w.parameters);
  const out = new Map<string, QualityCount[]>();
  for (const [parameter, series] of byParameter(all!, w.parameters)) {
    const goods = new Map((goodBy.get(parameter)?.values ?? []).map((row) => [row[0] as number, row[1] as number]));
    out.set(parameter, (series?.values ?? []).map((row) => ({ t: row[0] as number, total: row[1] as number, good: goods.get(row[0] as number) ?? 0 })));
  }
  return out;
}

/**
 * Min and max per bucket from the raw readings, for plotting short ranges and the partial minutes that the
 * per-minute rollups (rollups.ts) do not cover. InfluxDB 1.x returns the bucket's start time for min()/max()
 * under GROUP BY time() (only top()/bottom() return the selected point's time, and they cost about twice as
 * much), so the buckets carry their start. min() and max() run as two concurrent statements: 1.4x one max()
 * on 2 cores, where `SELECT min(), max()` in one statement is 2x (InfluxDB 1.x scans once per aggregate).
 */
export async function queryPlotBuckets(client: InfluxV1Client, w: SeriesWhere, bucketMs: number, origin = w.from): Promise<Map<string, PlotBucket[]>> {
  const group = `GROUP BY time(${bucketMs}ms, ${origin % bucketMs}ms), "parameter" fill(none)`;
  const [mins, maxs] = await Promise.all((['min', 'max'] as const).map((f) =>
    client.query(`SELECT ${f}("value") FROM "${MEASUREMENT}" WHERE ${whereClause(w)} ${group}`)));
  const minBy = byParameter(mins!, w.parameters);
  const maxBy = byParameter(maxs!, w.parameters);
  const out = new Map<string, PlotBucket[]>();
  for (const parameter of w.parameters) {
    const lo = minBy.get(parameter);
    const hi = maxBy.get(parameter);
    if (!lo || !hi) { out.set(parameter, []); continue; }
    const highs = new Map(hi.values.map((row) => [row[0] as number, row[1] as number]));
    out.set(parameter, lo.values.flatMap((row) => {
      const t = row[0] as number;
      const max = highs.get(t);
      return max === undefined ? [] : [{ t, min: row[1] as number, max }];
    }));
  }
  return out;
}

/**
 * The extremes of each bucket as real points at their own times, oldest first: top() and bottom() are the
 * InfluxQL 1.x selectors that keep the selected point's time under GROUP BY time(). About twice the cost of
 * queryPlotBuckets (measured), so plot mode uses it only when asked (`exact=true`).
 */
export async function queryPlotPoints(client: InfluxV1Client, w: SeriesWhere, bucketMs: number, origin = w.from): Promise<Map<string, { t: number; v: number }[]>> {
  const group = `GROUP BY time(${bucketMs}ms, ${origin % bucketMs}ms), "parameter" fill(none)`;
  const [tops, bottoms] = await Promise.all(['top', 'bottom'].map((f) =>
    client.query(`SELECT ${f}("value", 1) FROM "${MEASUREMENT}" WHERE ${whereClause(w)} ${group}`)));
  const topBy = byParameter(tops!, w.parameters);
  const bottomBy = byParameter(bottoms!, w.parameters);
  const out = new Map<string, { t: number; v: number }[]>();
  for (const parameter of w.parameters) {
    const byTime = new Map<number, number>();
    for (const series of [topBy.get(parameter), bottomBy.get(parameter)]) {
      for (const row of series?.values ?? []) byTime.set(row[0] as number, row[1] as number);
    }
    out.set(parameter, [...byTime].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, v })));
  }
  return out;
}

/**
 * Every stored point of one parameter in [from, to), oldest first, with no limit, in one chunked statement over
 * all four fields, so the answer is one snapshot: a point arriving meanwhile is read whole or not at all. A point
 * without a `quality` field (written by another tool) reads as good. Points of one parameter stored under several
 * sites stay apart (grouped by site, ties in site order).
 *
 * One statement costs InfluxDB less than reading the numeric values alone and then scanning the qualities of all
 * points for the few that are not good: on 1.44 M points about 2.0 CPU s against 1.6 + 1.0 (docs/performance.md).
 */
export async function queryParameterPoints(client: InfluxV1Client, w: { equipment: string; parameter: string; from: number; to: number }): Promise<StoredPoint[]> {
  const where = whereClause({ equipment: w.equipment, parameters: [w.parameter], from: w.from, to: w.to });
  const bySite = new Map<string, StoredPoint[]>();
  await client.queryRows(`SELECT "value","value_bool","value_str","quality" FROM "${MEASUREMENT}" WHERE ${where} GROUP BY "site"`, (series) => {
    const name = series.tags?.site ?? '';
    let points = bySite.get(name);
    if (!points) bySite.set(name, (points = []));
    const list = points;
    return (row) => list.push({ t: row[0] as number, v: (row[1] ?? row[2] ?? row[3] ?? null) as ReadingValue | null, q: (row[4] ?? 'good') as Quality });
  });
  const sites = [...bySite.keys()].sort();
  return sites.map((name) => bySite.get(name)!).reduce(mergeByTime, [] as StoredPoint[]);
}

/** Two time-ordered lists (of two series) as one; on equal times both stay, the first list's first. */
function mergeByTime(a: StoredPoint[], b: StoredPoint[]): StoredPoint[] {
  if (!a.length) return b;
  if (!b.length) return a;
  const out: StoredPoint[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.t <= b[j]!.t)) {
      out.push(a[i++]!);
    } else out.push(b[j++]!);
  }
  return out;
}

/**
 * Every stored point of each parameter in [from, to), oldest first (queryParameterPoints). `concurrency`
 * parameters are read at a time; `onSeries` gets each parameter's points as soon as they are complete, so the
 * caller's work overlaps InfluxDB's.
 */
export async function queryAllPoints(
  client: InfluxV1Client, w: SeriesWhere, onSeries: (parameter: string, points: StoredPoint[]) => void, concurrency = 2,
): Promise<void> {
  const queue = [...w.parameters];
  const worker = async () => {
    for (let parameter = queue.shift(); parameter !== undefined; parameter = queue.shift()) {
      onSeries(parameter, await queryParameterPoints(client, { equipment: w.equipment, parameter, from: w.from, to: w.to }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, w.parameters.length) }, worker));
}
