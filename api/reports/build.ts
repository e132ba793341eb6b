import type { ParameterMeta } from '../../common/contracts/index.js';
import type { StoredPoint } from '../../common/influx/layout.js';
import { canonicalise, type Canonical } from './canonical.js';
import { detectExcursions } from './excursions.js';
import { ITEM_TESTED_STATEMENT, type ReportContent } from './model.js';
import { computeStats } from './statistics.js';
import type { SpecLimitRow } from './store.js';
import { svgChart } from './svg-chart.js';

export interface ReportInput {
  head: Pick<ReportContent, 'id' | 'version' | 'previousId' | 'amendmentReason' | 'issuedAt' | 'authorisedBy' | 'platform' | 'customer' | 'equipment' | 'run' | 'method' | 'recipe'>;
  source: string;
  parameters: ParameterMeta[];
  points: Map<string, StoredPoint[]>;
  limits: Map<string, SpecLimitRow>;
}

export interface BuiltReport { content: ReportContent; charts: Map<string, string>; data: Canonical }

/** The median spacing of a parameter's samples: what the acquisition actually delivered. */
function medianInterval(points: StoredPoint[]): number | null {
  if (points.length < 2) return null;
  const gaps = points.slice(1).map((p, i) => p.t - points[i]!.t).sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)]!;
}

/** Statistics, excursions, charts and the integrity hash of one run: pure, given the points read from InfluxDB. */
export function buildReport(input: ReportInput): BuiltReport {
  const { head, points, limits } = input;
  const end = head.run.to;
  const charts = new Map<string, string>();
  const parameters = input.parameters.map((meta) => {
    const series = points.get(meta.id) ?? [];
    const stats = computeStats(series, end);
    const limit = limits.get(meta.id);
    const spec = limit ? { id: limit.id, recipe: limit.recipe, low: limit.low, high: limit.high, target: limit.target } : null;
    const excursions = spec && meta.datatype === 'number' ? detectExcursions(series, spec, end) : [];
    const verdict = !spec ? 'no spec' as const : stats.mean === null ? 'no data' as const : excursions.length ? 'not met' as const : 'met' as const;
    if (meta.datatype === 'number') {
      charts.set(meta.id, svgChart(series, { title: meta.name, unit: meta.unit, from: head.run.from, to: end, low: spec?.low, high: spec?.high }));
    }
    return { id: meta.id, name: meta.name, unit: meta.unit, datatype: meta.datatype, stats, spec, excursions, verdict };
  });
  const data = canonicalise(new Map(input.parameters.map((p) => [p.id, points.get(p.id) ?? []])));
  const content: ReportContent = {
    ...head,
    title: `Verification report ${head.id}${head.version > 1 ? ` (version ${head.version})` : ''}`,
    acquisition: {
      source: input.source,
      note: 'The gateway birth does not publish its poll interval or deadbands; the sampling interval below is the median spacing of the stored samples.',
      parameters: input.parameters.map((p) => ({ parameter: p.id, medianIntervalMs: medianInterval(points.get(p.id) ?? []) })),
    },
    parameters,
    integrity: { algorithm: 'sha256', format: 'pilothub-run-csv-v1', sha256: data.sha256, pointCount: data.pointCount },
    statement: ITEM_TESTED_STATEMENT,
  };
  return { content, charts, data };
}
