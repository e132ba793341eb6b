import { byParameter, queryPlotBuckets, seriesFilter, type PlotBucket } from '../../common/influx/history-queries.js';
import { MEASUREMENT } from '../../common/influx/layout.js';
import { sealedMinutes, sealedSums } from '../../common/influx/rollup-sums.js';
import { floorMinute, MINUTE_MS } from '../../common/influx/rollups.js';
import type { InfluxV1Client } from '../../common/influx/v1-client.js';
import { plotBuckets } from '../routes/history/plot.js';
import type { CompareRun } from './runs.js';

/** A run placed on the common axis: offset = (t - alignedAt) / scale (scale 1: ms; normalised: the run's duration after alignment). */
export interface AlignedRun extends CompareRun { alignedAt: number; scale: number }

/** The common axis: offsets from..to in `unit`, cut into `count` buckets of `bucket`. */
export interface Axis { unit: 'ms' | 'fraction'; from: number; to: number; bucket: number; count: number }

export interface OffsetBucket { offset: number; min: number; max: number }

export function commonAxis(runs: AlignedRun[], unit: Axis['unit'], buckets: number): Axis {
  const from = Math.min(...runs.map((r) => (r.from - r.alignedAt) / r.scale));
  const to = Math.max(...runs.map((r) => (r.to - r.alignedAt) / r.scale));
  if (unit === 'fraction') return { unit, from, to, bucket: (to - from) / buckets, count: buckets };
  let bucket = Math.max(1, Math.ceil((to - from) / buckets));
  // Half a minute or more: whole minutes, so each bucket is made of whole per-minute rollups (see runBuckets) instead
  // of every raw point; at most half the values asked for (an 8 h overlay: 480 one-minute buckets, not 500 of 58 s).
  if (bucket >= MINUTE_MS / 2) bucket = Math.ceil(bucket / MINUTE_MS) * MINUTE_MS;
  return { unit, from, to, bucket, count: Math.ceil((to - from) / bucket) };
}

/**
 * Min and max of each parameter of `run` per bucket of the common axis (plot mode: a one-sample spike survives).
 * Buckets shorter than a minute of the run's time are read raw, grouped by InfluxDB on the run's own origin, so their
 * offsets are exact. Longer ones are put together from per-minute extremes (the rollups plus the raw partial minutes
 * at the run's ends, as the history's plot mode reads them), each minute counted in the bucket holding its middle:
 * a bucket's edges may then be up to 30 s of the run's time off, the price of reading 60 times fewer points.
 */
export async function runBuckets(influx: InfluxV1Client, run: AlignedRun, parameters: string[], axis: Axis): Promise<Map<string, OffsetBucket[]>> {
  const realBucket = axis.bucket * run.scale;
  const where = { equipment: run.equipmentId, parameters, from: run.from, to: run.to };
  const out = new Map<string, OffsetBucket[]>();
  if (realBucket < MINUTE_MS) {
    const bucketMs = Math.max(1, Math.round(realBucket));
    const origin = Math.round(run.alignedAt + axis.from * run.scale);
    for (const [p, buckets] of await queryPlotBuckets(influx, where, bucketMs, origin)) {
      out.set(p, buckets.map((b) => ({ offset: axis.from + Math.round((b.t - origin) / bucketMs) * axis.bucket, min: b.min, max: b.max })));
    }
    return out;
  }
  const minutes = await plotBuckets(influx, where, { origin: floorMinute(run.from), bucketMs: MINUTE_MS });
  for (const [p, list] of minutes) out.set(p, rebucket(list, run, axis));
  return out;
}

function rebucket(minutes: PlotBucket[], run: AlignedRun, axis: Axis): OffsetBucket[] {
  const byK = new Map<number, OffsetBucket>();
  for (const m of minutes) {
    const k = Math.floor(((m.t + MINUTE_MS / 2 - run.alignedAt) / run.scale - axis.from) / axis.bucket);
    const seen = byK.get(k);
    if (seen) { seen.min = Math.min(seen.min, m.min); seen.max = Math.max(seen.max, m.max); } else byK.set(k, { offset: axis.from + k * axis.bucket, min: m.min, max: m.max });
  }
  return [...byK.values()].sort((a, b) => a.offset - b.offset);
}

export interface RunStatistics { count: number; min: number | null; max: number | null; mean: number | null }

/**
 * count and mean of each numeric parameter over the run's whole window, in one statement (the extremes come from the
 * buckets). Every stored numeric value counts, whatever its quality (a bad reading usually carries none): a WHERE on
 * the quality string field makes InfluxDB 1.x read it for every point. No standard deviation: InfluxDB 1.6's
 * stddev() took 1.1-1.2 s per run of 10 parameters × 8 h here, 20 times its mean(); the run's statistics and report
 * (GET /api/v1/runs/{id}/statistics) have it.
 */
export async function runMeans(influx: InfluxV1Client, run: CompareRun, parameters: string[]): Promise<Map<string, { count: number; mean: number | null }>> {
  const q = `SELECT count("value"), mean("value") FROM "${MEASUREMENT}" WHERE ${seriesFilter({ equipment: run.equipmentId, parameters })}`
    + ` AND time >= ${run.from}ms AND time < ${run.to}ms GROUP BY "parameter"`;
  const out = new Map<string, { count: number; mean: number | null }>();
  for (const [p, series] of byParameter(await influx.query(q), parameters)) {
    const row = series?.values[0];
    out.set(p, { count: typeof row?.[1] === 'number' ? row[1] : 0, mean: typeof row?.[2] === 'number' ? row[2] : null });
  }
  return out;
}

/**
 * runMeans of a sealed run whose sums are current (api/seal/exact-sums.ts): the count exactly and the mean up to
 * floating-point rounding (sums added in another order), from the rollups' per-minute count and sum plus the raw
 * partial minutes at its edges: about 60 times fewer points than the raw scan.
 */
export async function sealedMeans(influx: InfluxV1Client, run: CompareRun, parameters: string[]): Promise<Map<string, { count: number; mean: number | null }>> {
  const sums = await sealedSums(influx, { equipment: run.equipmentId, parameters, from: run.from, to: run.to }, false);
  return new Map(parameters.map((p) => {
    const s = sums.get(p)?.[0];
    return [p, s ? { count: s.count, mean: s.sum / s.count } : { count: 0, mean: null }];
  }));
}

/**
 * runBuckets and runMeans of a sealed run whose sums are current, on an axis of a minute or more of its time: both
 * from one read of its minutes (sealedMinutes), each minute in the bucket holding its middle.
 */
export async function sealedRun(influx: InfluxV1Client, run: AlignedRun, parameters: string[], axis: Axis): Promise<{ buckets: Map<string, OffsetBucket[]>; means: Map<string, { count: number; mean: number | null }> }> {
  const minutes = await sealedMinutes(influx, { equipment: run.equipmentId, parameters, from: run.from, to: run.to });
  const buckets = new Map<string, OffsetBucket[]>();
  const means = new Map<string, { count: number; mean: number | null }>();
  for (const p of parameters) {
    const list = minutes.get(p) ?? [];
    buckets.set(p, rebucket(list, run, axis));
    const count = list.reduce((n, m) => n + m.count, 0);
    means.set(p, { count, mean: count ? list.reduce((n, m) => n + m.sum, 0) / count : null });
  }
  return { buckets, means };
}

/** Whether sealedRun serves this run on this axis: its seal is current and a bucket spans a minute of its time or more. */
export const sealedRunFits = (run: AlignedRun, axis: Axis) => axis.bucket * run.scale >= MINUTE_MS;
