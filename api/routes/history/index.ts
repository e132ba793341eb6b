import { spreadsheetCsv } from '../../../common/runtime/spreadsheet-csv.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { StoredPoint } from '../../../common/influx/layout.js';
import { queryAggregate, queryPlotPoints, queryQualityCounts, queryRawSeries, type AggregateFunction, type AggregateRow, type PlotBucket, type QualityCount } from '../../../common/influx/history-queries.js';
import { badRequest, notFound, instant } from '../../errors.js';
import { HISTORY_MAX_BUCKETS } from '../bounds.js';
import { ErrorBody } from '../../plugins/errors.js';
import { dataWindows } from '../../reports/access.js';
import { clipToWindows, type TimeRange } from '../../reports/windows.js';
import { historyToCsv } from './csv.js';
import { mergeAggregateRows, mergePlotBuckets, mergeQualityCounts } from './merge.js';
import { plotBuckets, plotGrid } from './plot.js';
import { History, HistoryParams, HistoryQuery } from './schemas.js';

const HOUR_MS = 3_600_000;

export const historyRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/api/v1/equipment/:id/history', {
    schema: {
      tags: ['history'],
      summary: 'Stored readings of one or more parameters: raw, aggregated per interval, or min/max per bucket for plotting',
      description: 'JSON by default; CSV with `format=csv` or `Accept: text/csv`. Customers see only data inside their own runs, each from its start up to, not including, its end.',
      params: HistoryParams, querystring: HistoryQuery,
      response: { 200: History, 400: ErrorBody, 404: ErrorBody },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    const q = request.query;
    const entry = app.registry.get(id);
    if (!entry) throw notFound({ code: 'equipment_not_announced_any', vars: { id } });
    const units = new Map(entry.birth.parameters.map((p) => [p.id, p.unit]));
    const unknown = q.parameter.filter((p) => !units.has(p));
    if (unknown.length) throw notFound({ code: 'parameter_unknown', vars: { id, unknown: unknown.map((p) => `"${p}"`).join(', '), known: [...units.keys()].join(', ') } });
    const to = q.to ? Date.parse(q.to) : app.now();
    const from = q.from ? Date.parse(q.from) : to - HOUR_MS;
    if (from > to) throw badRequest({ code: 'from_after_to', vars: { from: instant(from), to: instant(to) } }, 'querystring.from');
    // The request's "to" is inclusive (a client asks for what it plots); the ranges read are half-open like the
    // run windows that clip them, so touching runs of two customers never both serve the reading at their hand-over.
    const ranges = clipToWindows(from, to + 1, dataWindows(app, request, id));
    const head = (parameter: string) => ({ parameter, unit: units.get(parameter) ?? '' });
    const where = (r: TimeRange) => ({ equipment: id, parameters: q.parameter, ...r });
    let body: History;

    if (q.mode === 'aggregate') {
      if (q.interval === undefined) throw badRequest({ code: 'interval_required' }, 'querystring.interval');
      if ((to - from) / q.interval > HISTORY_MAX_BUCKETS) throw badRequest({ code: 'interval_too_short', vars: { interval: q.interval, max: HISTORY_MAX_BUCKETS } }, 'querystring.interval');
      // Merging buckets split by tenancy windows needs each part's count to weight the means.
      const functions = ranges.length > 1 && !q.functions.includes('count') ? [...q.functions, 'count' as const] : q.functions;
      const [parts, qualities] = await Promise.all([
        Promise.all(ranges.map((r) => queryAggregate(app.influx, where(r), q.interval!, functions, from))),
        q.quality ? Promise.all(ranges.map((r) => queryQualityCounts(app.influx, where(r), q.interval!, from))) : Promise.resolve([]),
      ]);
      body = {
        mode: 'aggregate', equipment: id, from, to, intervalMs: q.interval, functions: q.functions,
        series: q.parameter.map((p) => ({
          ...head(p),
          rows: withQuality(mergeAggregateRows(parts.map((m) => m.get(p) ?? [])).map((r) => ({ t: r.t, ...pickFunctions(r.values, q.functions) })),
            q.quality ? mergeQualityCounts(qualities.map((m) => m.get(p) ?? [])) : null),
        })),
      };
    } else if (q.mode === 'plot') {
      const grid = plotGrid(from, to, Math.max(1, Math.floor(q.maxPoints / 2)));
      const { origin, bucketMs } = grid;
      const [parts, exact, qualities] = await Promise.all([
        Promise.all(ranges.map((r) => plotBuckets(app.influx, where(r), grid))),
        q.exact ? Promise.all(ranges.map((r) => queryPlotPoints(app.influx, where(r), bucketMs, origin))) : Promise.resolve(null),
        q.quality ? Promise.all(ranges.map((r) => queryQualityCounts(app.influx, where(r), bucketMs, origin))) : Promise.resolve([]),
      ]);
      body = {
        mode: 'plot', equipment: id, from, to, bucketMs, maxPoints: q.maxPoints,
        series: q.parameter.map((p) => {
          const buckets = withQuality(mergePlotBuckets(parts.map((m) => m.get(p) ?? [])), q.quality ? mergeQualityCounts(qualities.map((m) => m.get(p) ?? [])) : null);
          // Tenancy windows may cut a bucket: keep only each merged bucket's true extremes.
          const byStart = new Map(buckets.map((b) => [b.t, b]));
          const points = exact?.flatMap((m) => m.get(p) ?? []).filter((x) => extremeOfBucket(x, byStart, origin, bucketMs));
          return { ...head(p), buckets, ...(points ? { points } : {}) };
        }),
      };
    } else {
      const parts = await Promise.all(ranges.map((r) => queryRawSeries(app.influx, where(r), q.limit + 1)));
      const series = q.parameter.map((p) => {
        const all: StoredPoint[] = parts.flatMap((m) => m.get(p) ?? []);
        return { ...head(p), truncated: all.length > q.limit, points: all.slice(0, q.limit) };
      });
      const first = series[0]!;
      body = {
        mode: 'raw', equipment: id, from, to, parameter: first.parameter, unit: first.unit, truncated: first.truncated, points: first.points, series,
        ...(series.length > 1 ? { rows: alignOnTime(series) } : {}),
      };
    }

    if (q.format === 'csv' || (q.format === undefined && wantsCsv(request.headers.accept))) {
      // fastify sends a string with a non-JSON content type as it is, past the JSON response serializer.
      const csv: unknown = spreadsheetCsv(historyToCsv(body));
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${id}-history.csv"`).send(csv as History);
    }
    return body;
  });
};

/** One row per distinct time across the parameters, each carrying the parameters that have a sample then. */
function alignOnTime(series: { parameter: string; points: StoredPoint[] }[]): { t: number; values: Record<string, { v: StoredPoint['v']; q: StoredPoint['q'] }> }[] {
  const rows = new Map<number, Record<string, { v: StoredPoint['v']; q: StoredPoint['q'] }>>();
  for (const { parameter, points } of series) {
    for (const p of points) {
      let values = rows.get(p.t);
      if (!values) rows.set(p.t, (values = {}));
      values[parameter] = { v: p.v, q: p.q };
    }
  }
  return [...rows].sort((a, b) => a[0] - b[0]).map(([t, values]) => ({ t, values }));
}

function pickFunctions(values: AggregateRow['values'], functions: readonly AggregateFunction[]): AggregateRow['values'] {
  return Object.fromEntries(functions.map((f) => [f, values[f] ?? null]));
}

/** Adds points and goodPercent to each bucket; a bucket holding only bad points has no aggregate row and is left out. */
function withQuality<R extends { t: number }>(rows: R[], counts: Map<number, QualityCount> | null): (R & { points?: number; goodPercent?: number })[] {
  if (!counts) return rows;
  return rows.map((r) => {
    const c = counts.get(r.t);
    return c ? { ...r, points: c.total, goodPercent: (100 * c.good) / c.total } : r;
  });
}

function extremeOfBucket(p: { t: number; v: number }, buckets: Map<number, PlotBucket>, origin: number, bucketMs: number): boolean {
  const b = buckets.get(origin + Math.floor((p.t - origin) / bucketMs) * bucketMs);
  return !!b && (p.v === b.min || p.v === b.max);
}

function wantsCsv(accept: string | undefined): boolean {
  return !!accept && /(^|,)\s*text\/csv/.test(accept);
}
