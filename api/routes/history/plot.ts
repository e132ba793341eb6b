import { queryPlotBuckets, type PlotBucket, type SeriesWhere } from '../../../common/influx/history-queries.js';
import { ceilMinute, floorMinute, MINUTE_MS, queryRollupBuckets } from '../../../common/influx/rollups.js';
import type { InfluxV1Client } from '../../../common/influx/v1-client.js';
import { mergePlotBuckets } from './merge.js';

/**
 * Plot-mode buckets over [from, to]: at most `buckets` of them. Buckets of a minute or more are whole minutes
 * aligned on the minute grid, so the per-minute rollups answer them; shorter ones start at `from`.
 */
export function plotGrid(from: number, to: number, buckets: number): { origin: number; bucketMs: number } {
  const bucketMs = Math.max(1, Math.ceil((to - from + 1) / buckets));
  if (bucketMs < MINUTE_MS) return { origin: from, bucketMs };
  const origin = floorMinute(from);
  return { origin, bucketMs: ceilMinute(Math.ceil((to - origin + 1) / buckets)) };
}

/**
 * Min and max per bucket. On a minute grid the whole minutes come from the rollups (one point per minute
 * instead of every sample: 30 days of 1 Hz data in far less than one raw max() over them) and only the partial
 * minutes at the range's ends from the raw readings; otherwise everything is read raw.
 */
export async function plotBuckets(client: InfluxV1Client, w: SeriesWhere, grid: { origin: number; bucketMs: number }): Promise<Map<string, PlotBucket[]>> {
  const { origin, bucketMs } = grid;
  const wholeFrom = ceilMinute(w.from);
  const wholeTo = floorMinute(w.to);
  if (bucketMs % MINUTE_MS !== 0 || origin % MINUTE_MS !== 0 || wholeFrom >= wholeTo) return queryPlotBuckets(client, w, bucketMs, origin);
  const none = Promise.resolve(new Map<string, PlotBucket[]>());
  const parts = await Promise.all([
    queryRollupBuckets(client, { ...w, from: wholeFrom, to: wholeTo }, bucketMs, origin),
    w.from < wholeFrom ? queryPlotBuckets(client, { ...w, to: wholeFrom }, bucketMs, origin) : none,
    wholeTo < w.to ? queryPlotBuckets(client, { ...w, from: wholeTo }, bucketMs, origin) : none,
  ]);
  return new Map(w.parameters.map((p) => [p, mergePlotBuckets(parts.map((m) => m.get(p) ?? []))]));
}
