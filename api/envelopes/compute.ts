import { byParameter, seriesFilter } from '../../common/influx/history-queries.js';
import { MEASUREMENT } from '../../common/influx/layout.js';
import { sealedSums } from '../../common/influx/rollup-sums.js';
import { MINUTE_MS } from '../../common/influx/rollups.js';
import type { InfluxV1Client } from '../../common/influx/v1-client.js';
import { alignmentPoint, checkAlignment, type Alignment } from '../compare/align.js';
import { pool } from '../compare/compare.js';
import { resolveParameter, type CompareRun, type ParameterMap } from '../compare/runs.js';
import { ApiError } from '../errors.js';
import { HISTORY_MAX_BUCKETS } from '../routes/bounds.js';
import type { EnvelopeBucket, EnvelopeMethod, EnvelopeParameter } from './model.js';

/** Per bucket of a run aligned at `alignedAt`: its offset (a multiple of bucketMs) and the aggregates asked for. */
export interface BucketSample { offsetMs: number; mean?: number; min?: number; max?: number }

type Aggregate = 'mean' | 'min' | 'max';

/**
 * Each parameter's aggregates per bucket of `bucketMs` laid from the alignment point (InfluxDB's GROUP BY time
 * offset), so bucket starts are exact multiples of bucketMs from it, over the run's window. Every stored numeric
 * value counts whatever its quality, as in the compare statistics (api/compare/series.ts says why).
 * One statement per aggregate, run concurrently (InfluxDB 1.x scans once per aggregate either way).
 */
export async function bucketSamples(
  influx: InfluxV1Client, w: { equipment: string; parameters: string[]; from: number; to: number }, alignedAt: number, bucketMs: number, aggregates: Aggregate[],
): Promise<Map<string, BucketSample[]>> {
  const offset = ((alignedAt % bucketMs) + bucketMs) % bucketMs;
  const where = `${seriesFilter(w)} AND time >= ${w.from}ms AND time < ${w.to}ms`;
  const answers = await Promise.all(aggregates.map((f) =>
    influx.query(`SELECT ${f}("value") FROM "${MEASUREMENT}" WHERE ${where} GROUP BY time(${bucketMs}ms, ${offset}ms), "parameter" fill(none)`)));
  const out = new Map<string, BucketSample[]>();
  for (const p of w.parameters) {
    const byOffset = new Map<number, BucketSample>();
    aggregates.forEach((f, i) => {
      for (const row of byParameter(answers[i]!, w.parameters).get(p)?.values ?? []) {
        const offsetMs = (row[0] as number) - alignedAt;
        const sample = byOffset.get(offsetMs) ?? { offsetMs };
        sample[f] = row[1] as number;
        byOffset.set(offsetMs, sample);
      }
    });
    out.set(p, [...byOffset.values()].sort((a, b) => a.offsetMs - b.offsetMs));
  }
  return out;
}

/**
 * bucketSamples' means for a sealed run whose sums are current (api/seal/exact-sums.ts), from its exact per-minute
 * count and sum (common/influx/rollup-sums.ts): each minute counts in the bucket holding its middle, as the compare
 * overlay's buckets do, so a bucket's edges may be up to 30 s of the run's time off unless the alignment point lies
 * on a whole minute (then the means equal the raw ones up to floating-point rounding). 60 times fewer points.
 */
export async function minuteBucketMeans(
  influx: InfluxV1Client, w: { equipment: string; parameters: string[]; from: number; to: number }, alignedAt: number, bucketMs: number,
): Promise<Map<string, BucketSample[]>> {
  const minutes = await sealedSums(influx, w, true);
  return new Map(w.parameters.map((p) => {
    const byK = new Map<number, { count: number; sum: number }>();
    for (const m of minutes.get(p) ?? []) {
      const k = Math.floor((m.t + MINUTE_MS / 2 - alignedAt) / bucketMs);
      const acc = byK.get(k) ?? { count: 0, sum: 0 };
      acc.count += m.count;
      acc.sum += m.sum;
      byK.set(k, acc);
    }
    return [p, [...byK].sort((a, b) => a[0] - b[0]).map(([k, acc]) => ({ offsetMs: k * bucketMs, mean: acc.sum / acc.count }))];
  }));
}

export interface EnvelopeInput {
  runs: CompareRun[];
  parameters: string[];
  map: ParameterMap;
  alignment: Alignment;
  method: EnvelopeMethod;
  k: number;
  bucketMs: number;
  /** Runs whose bucket means may come from their sealed rollups when buckets are whole minutes (minuteBucketMeans). */
  exactSums: Set<string>;
}

/** Fewest reference runs per method: a standard deviation needs two values. */
export const MIN_RUNS: Record<EnvelopeMethod, number> = { sigma: 2, minmax: 1 };

/**
 * The envelope of each parameter over the aligned reference runs. sigma: per bucket, the mean and sample standard
 * deviation (n−1) of the runs' bucket means, band mean ± k·σ, kept where at least two runs hold data; minmax: the
 * smallest and largest value any run had in the bucket.
 */
export async function computeEnvelope(influx: InfluxV1Client, req: EnvelopeInput): Promise<{ parameters: EnvelopeParameter[]; alignedAt: number[] }> {
  checkAlignment(req.alignment);
  if (req.runs.length < MIN_RUNS[req.method]) throw new ApiError(400, { code: 'envelope_too_few_runs', vars: { method: req.method, min: MIN_RUNS[req.method], count: req.runs.length } }, { field: 'body.referenceRuns' });
  const longest = Math.max(...req.runs.map((r) => r.to - r.from));
  if (longest / req.bucketMs > HISTORY_MAX_BUCKETS) throw new ApiError(400, { code: 'envelope_bucket_too_short', vars: { bucket: req.bucketMs, max: HISTORY_MAX_BUCKETS } }, { field: 'body.bucket' });
  const sources = req.runs.map((run) => req.parameters.map((p) => resolveParameter(run, p, req.map, 'body.parameters')));
  const aggregates: Aggregate[] = req.method === 'sigma' ? ['mean'] : ['min', 'max'];
  // Two runs at a time: each run's statements already run concurrently in InfluxDB.
  const results = await pool(req.runs.map((run, i) => ({ run, ids: [...new Set(sources[i])] })), async ({ run, ids }) => {
    const alignedAt = await alignmentPoint(influx, run, req.alignment, req.map);
    const w = { equipment: run.equipmentId, parameters: ids, from: run.from, to: run.to };
    const fromMinutes = req.method === 'sigma' && req.bucketMs % MINUTE_MS === 0 && req.exactSums.has(run.id);
    return { alignedAt, samples: await (fromMinutes ? minuteBucketMeans(influx, w, alignedAt, req.bucketMs) : bucketSamples(influx, w, alignedAt, req.bucketMs, aggregates)) };
  }, 2);
  const parameters = req.parameters.map((p, j) => {
    const perRun = results.map((r, i) => r.samples.get(sources[i]![j]!) ?? []);
    const buckets = req.method === 'sigma' ? sigmaBuckets(perRun, req.k) : minmaxBuckets(perRun);
    if (!buckets.length) throw new ApiError(422, { code: 'envelope_no_data', vars: { parameter: p } }, { field: 'body.parameters' });
    return { id: p, unit: req.runs[0]!.parameters.get(sources[0]![j]!)?.unit ?? '', buckets };
  });
  return { parameters, alignedAt: results.map((r) => r.alignedAt) };
}

function byOffset(perRun: BucketSample[][]): Map<number, BucketSample[]> {
  const out = new Map<number, BucketSample[]>();
  for (const samples of perRun) for (const s of samples) out.set(s.offsetMs, [...(out.get(s.offsetMs) ?? []), s]);
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

function sigmaBuckets(perRun: BucketSample[][], k: number): EnvelopeBucket[] {
  return [...byOffset(perRun)].flatMap(([offsetMs, samples]) => {
    const xs = samples.map((s) => s.mean!).filter((x) => x !== undefined);
    if (xs.length < 2) return [];
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
    return [{ offsetMs, low: mean - k * sd, high: mean + k * sd, mean, runs: xs.length }];
  });
}

function minmaxBuckets(perRun: BucketSample[][]): EnvelopeBucket[] {
  return [...byOffset(perRun)].map(([offsetMs, samples]) => ({
    offsetMs, low: Math.min(...samples.map((s) => s.min!)), high: Math.max(...samples.map((s) => s.max!)), runs: samples.length,
  }));
}
