import type { AggregateFunction, AggregateRow, PlotBucket, QualityCount } from '../../../common/influx/history-queries.js';

/**
 * InfluxQL 1.x cannot OR time ranges (such a WHERE matches nothing), so a customer's run windows are queried
 * one by one; buckets share their alignment (offset from "from"), so a bucket cut by a window edge comes back
 * once per window and is merged here. The mean is weighted by count, which the caller must have queried.
 */
export function mergeAggregateRows(parts: AggregateRow[][]): AggregateRow[] {
  const byT = new Map<number, AggregateRow>();
  for (const row of parts.flat().sort((a, b) => a.t - b.t)) {
    const seen = byT.get(row.t);
    if (!seen) { byT.set(row.t, { t: row.t, values: { ...row.values } }); continue; }
    const a = seen.values;
    const b = row.values;
    const merged: Partial<Record<AggregateFunction, number | null>> = {};
    const ca = a.count ?? 0;
    const cb = b.count ?? 0;
    if ('mean' in a) merged.mean = ca + cb > 0 ? ((a.mean ?? 0) * ca + (b.mean ?? 0) * cb) / (ca + cb) : null;
    if ('min' in a) merged.min = pick(a.min, b.min, Math.min);
    if ('max' in a) merged.max = pick(a.max, b.max, Math.max);
    if ('first' in a) merged.first = a.first ?? b.first ?? null;
    if ('last' in a) merged.last = b.last ?? a.last ?? null;
    if ('count' in a) merged.count = ca + cb;
    seen.values = merged;
  }
  return [...byT.values()];
}

export function mergePlotBuckets(parts: PlotBucket[][]): PlotBucket[] {
  const byT = new Map<number, PlotBucket>();
  for (const b of parts.flat().sort((x, y) => x.t - y.t)) {
    const seen = byT.get(b.t);
    byT.set(b.t, seen ? { t: b.t, min: Math.min(seen.min, b.min), max: Math.max(seen.max, b.max) } : b);
  }
  return [...byT.values()];
}

export function mergeQualityCounts(parts: QualityCount[][]): Map<number, QualityCount> {
  const byT = new Map<number, QualityCount>();
  for (const c of parts.flat()) {
    const seen = byT.get(c.t);
    byT.set(c.t, seen ? { t: c.t, total: seen.total + c.total, good: seen.good + c.good } : c);
  }
  return byT;
}

function pick(a: number | null | undefined, b: number | null | undefined, f: (x: number, y: number) => number): number | null {
  if (a === null || a === undefined) return b ?? null;
  if (b === null || b === undefined) return a;
  return f(a, b);
}
