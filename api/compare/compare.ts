import type { InfluxV1Client } from '../../common/influx/v1-client.js';
import { ApiError } from '../errors.js';
import { alignmentPoint, checkAlignment, type Alignment } from './align.js';
import { resolveParameter, type CompareRun, type ParameterMap } from './runs.js';
import { commonAxis, runBuckets, runMeans, sealedMeans, sealedRun, sealedRunFits, type AlignedRun, type Axis, type OffsetBucket, type RunStatistics } from './series.js';

export interface CompareRequest {
  runs: CompareRun[];
  parameters: string[];
  map: ParameterMap;
  alignment: Alignment;
  normalise: boolean;
  /** Most values per run and parameter (each bucket gives min and max), as the history's plot mode. */
  maxPoints: number;
  /** Runs whose count and mean may come from their sealed rollups (api/seal/exact-sums.ts); the others are read raw. */
  exactSums: Set<string>;
}

/** Differences of a run to the reference (first) run for one parameter; null for the reference itself. */
export interface Difference {
  mean: number | null; min: number | null; max: number | null;
  /** Root mean square of the difference of bucket mid-values ((min + max) / 2), over the buckets both runs hold. */
  rms: number | null;
  /** How many buckets both runs hold. */
  overlap: number;
}

export interface Comparison {
  alignment: Alignment;
  axis: Axis;
  runs: { id: string; equipmentId: string; orgId: string | null; startedAt: number; endedAt: number | null; alignedAt: number; parameters: Record<string, string> }[];
  series: { parameter: string; unit: string; runs: { runId: string; source: string; buckets: OffsetBucket[] }[] }[];
  statistics: { parameter: string; unit: string; runs: ({ runId: string } & RunStatistics & { difference: Difference | null })[] }[];
}

/** Runs read at once: InfluxDB answers on every core; more only queue there. */
const CONCURRENCY = 4;

/** fn over every item, CONCURRENCY at a time; a failure is that of the first failing item in order, so the run named is stable. */
export async function pool<T, R>(items: T[], fn: (item: T) => Promise<R>, concurrency = CONCURRENCY): Promise<R[]> {
  const out: R[] = new Array(items.length);
  const failed = new Map<number, unknown>();
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) {
      try { out[i] = await fn(items[i]!); } catch (err) { failed.set(i, err); }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failed.size) throw failed.get(Math.min(...failed.keys()));
  return out;
}

/** Places every run on one axis and reads their overlay and statistics (README "Comparing runs"). */
export async function compareRuns(influx: InfluxV1Client, req: CompareRequest): Promise<Comparison> {
  checkAlignment(req.alignment);
  // Resolved before anything is read, so an unknown parameter is named at once.
  const sources = req.runs.map((run) => new Map(req.parameters.map((p) => [p, resolveParameter(run, p, req.map, 'querystring.parameters')])));
  const aligned: AlignedRun[] = await pool(req.runs, async (run) => {
    const alignedAt = await alignmentPoint(influx, run, req.alignment, req.map);
    const scale = req.normalise ? run.to - alignedAt : 1;
    if (scale <= 0) throw new ApiError(422, { code: 'compare_nothing_after_alignment', vars: { run: run.id } }, { field: 'querystring.normalise' });
    return { ...run, alignedAt, scale };
  });
  const axis = commonAxis(aligned, req.normalise ? 'fraction' : 'ms', Math.max(1, Math.floor(req.maxPoints / 2)));
  const read = await pool(aligned.map((run, i) => ({ run, names: sources[i]! })), async ({ run, names }) => {
    const ids = [...new Set(names.values())];
    if (req.exactSums.has(run.id) && sealedRunFits(run, axis)) {
      const sealed = await sealedRun(influx, run, ids, axis);
      return { buckets: sealed.buckets, stats: withExtremes(sealed.means, sealed.buckets) };
    }
    const means = req.exactSums.has(run.id) ? sealedMeans(influx, run, ids) : runMeans(influx, run, ids);
    const [buckets, stats] = await Promise.all([runBuckets(influx, run, ids, axis), means]);
    return { buckets, stats: withExtremes(stats, buckets) };
  });
  const unitOf = (p: string) => req.runs[0]!.parameters.get(sources[0]!.get(p)!)?.unit ?? '';
  return {
    alignment: req.alignment,
    axis,
    runs: aligned.map((r, i) => ({
      id: r.id, equipmentId: r.equipmentId, orgId: r.orgId, startedAt: r.startedAt, endedAt: r.endedAt, alignedAt: r.alignedAt,
      parameters: Object.fromEntries(sources[i]!),
    })),
    series: req.parameters.map((p) => ({
      parameter: p, unit: unitOf(p),
      runs: aligned.map((r, i) => ({ runId: r.id, source: sources[i]!.get(p)!, buckets: read[i]!.buckets.get(sources[i]!.get(p)!) ?? [] })),
    })),
    statistics: req.parameters.map((p) => {
      const buckets = aligned.map((_, i) => read[i]!.buckets.get(sources[i]!.get(p)!) ?? []);
      const stats = aligned.map((_, i) => read[i]!.stats.get(sources[i]!.get(p)!) ?? { count: 0, min: null, max: null, mean: null });
      return {
        parameter: p, unit: unitOf(p),
        runs: aligned.map((r, i) => ({ runId: r.id, ...stats[i]!, difference: i === 0 ? null : difference(stats[i]!, stats[0]!, buckets[i]!, buckets[0]!) })),
      };
    }),
  };
}

/** The extremes are exact from the buckets: each keeps its min and max (plot mode), so no second scan is needed. */
function withExtremes(means: Map<string, { count: number; mean: number | null }>, buckets: Map<string, OffsetBucket[]>): Map<string, RunStatistics> {
  return new Map([...means].map(([p, m]) => {
    const list = buckets.get(p) ?? [];
    return [p, { ...m, min: list.length ? Math.min(...list.map((b) => b.min)) : null, max: list.length ? Math.max(...list.map((b) => b.max)) : null }];
  }));
}

const minus = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);

function difference(s: RunStatistics, ref: RunStatistics, buckets: OffsetBucket[], refBuckets: OffsetBucket[]): Difference {
  const refMid = new Map(refBuckets.map((b) => [b.offset, (b.min + b.max) / 2]));
  let sum = 0;
  let overlap = 0;
  for (const b of buckets) {
    const m = refMid.get(b.offset);
    if (m === undefined) continue;
    sum += ((b.min + b.max) / 2 - m) ** 2;
    overlap++;
  }
  return { mean: minus(s.mean, ref.mean), min: minus(s.min, ref.min), max: minus(s.max, ref.max), rms: overlap ? Math.sqrt(sum / overlap) : null, overlap };
}
