import type { Acquisition, ParameterMeta } from '../../common/contracts/index.js';
import type { StoredPoint } from '../../common/influx/layout.js';
import { CANONICAL_FORMAT, canonicalChunk, canonicalJoin, type Canonical } from './canonical.js';
import { detectExcursions } from './excursions.js';
import { ITEM_TESTED_STATEMENT, type ReportContent } from './model.js';
import { computeStats } from './statistics.js';
import type { SpecLimitRow } from './store.js';
import { svgChart } from './svg-chart.js';

export type ReportHead = Pick<ReportContent, 'id' | 'version' | 'previousId' | 'amendmentReason' | 'issuedAt' | 'authorisedBy' | 'platform' | 'customer' | 'equipment' | 'run' | 'dataGaps' | 'method' | 'recipe'>;

/** Everything a report needs from one parameter's points, so the points can be dropped once analysed. */
export interface ParameterAnalysis {
  entry: ReportContent['parameters'][number];
  chart: string | null;
  chunk: { bytes: Buffer; count: number };
  configured: Acquisition | null;
  medianIntervalMs: number | null;
  /** Where the parameter's analysis spent its time (ms), for the report's breakdown (service.ts). */
  ms: { statistics: number; chart: number; canonical: number };
}

export interface BuiltReport { content: ReportContent; charts: Map<string, string>; data: Canonical }

/** The median spacing of a parameter's samples: what the acquisition actually delivered. */
function medianInterval(points: StoredPoint[]): number | null {
  if (points.length < 2) return null;
  // A typed array sorts numerically without a comparator call per comparison.
  const gaps = new Float64Array(points.length - 1);
  for (let i = 1; i < points.length; i++) gaps[i - 1] = points[i]!.t - points[i - 1]!.t;
  return gaps.sort()[Math.floor(gaps.length / 2)]!;
}

/** Statistics, spec verdict, excursions, chart (time ticks in the lab's `timeZone`) and canonical lines of one parameter over the run window. */
export function analyseParameter(meta: ParameterMeta, series: StoredPoint[], limit: SpecLimitRow | undefined, run: { from: number; to: number }, timeZone = 'UTC'): ParameterAnalysis {
  const t0 = performance.now();
  const stats = computeStats(series, run.to);
  const spec = limit ? { id: limit.id, recipe: limit.recipe, low: limit.low, high: limit.high, target: limit.target } : null;
  const excursions = spec && meta.datatype === 'number' ? detectExcursions(series, spec, run.to) : [];
  const verdict = !spec ? 'no spec' as const : stats.mean === null ? 'no data' as const : excursions.length ? 'not met' as const : 'met' as const;
  const medianIntervalMs = medianInterval(series);
  const t1 = performance.now();
  const chart = meta.datatype === 'number' ? svgChart(series, { title: meta.name, unit: meta.unit, from: run.from, to: run.to, low: spec?.low, high: spec?.high, timeZone }) : null;
  const t2 = performance.now();
  const bytes = canonicalChunk(meta.id, series);
  return {
    entry: { id: meta.id, name: meta.name, unit: meta.unit, datatype: meta.datatype, stats, spec, excursions, verdict },
    chart,
    chunk: { bytes, count: series.length },
    configured: meta.acquisition ?? null,
    medianIntervalMs,
    ms: { statistics: t1 - t0, chart: t2 - t1, canonical: performance.now() - t2 },
  };
}

/** The report content from its head and every parameter's analysis, in the order the parameters were asked for. */
export function assembleReport(head: ReportHead, source: string, analyses: ParameterAnalysis[], data: Canonical = canonicalJoin(new Map(analyses.map((a) => [a.entry.id, a.chunk])))): BuiltReport {
  const content: ReportContent = {
    ...head,
    title: `Verification report ${head.id}${head.version > 1 ? ` (version ${head.version})` : ''}`,
    acquisition: {
      source,
      note: 'Configured settings are those the gateway announced in its birth message; the median spacing is what was actually stored in the run window.',
      parameters: analyses.map((a) => ({ parameter: a.entry.id, configured: a.configured, medianIntervalMs: a.medianIntervalMs })),
    },
    parameters: analyses.map((a) => a.entry),
    integrity: { algorithm: 'sha256', format: CANONICAL_FORMAT, sha256: data.sha256, pointCount: data.pointCount },
    statement: ITEM_TESTED_STATEMENT,
  };
  const charts = new Map(analyses.flatMap((a) => (a.chart ? [[a.entry.id, a.chart] as const] : [])));
  return { content, charts, data };
}
