import { z } from 'zod';
import { Identifier, Quality, ReadingValue } from '../../../common/contracts/index.js';
import { AGGREGATE_FUNCTIONS } from '../../../common/influx/history-queries.js';

export const HistoryParams = z.object({ id: Identifier });

const isoTime = () => z.iso.datetime({ offset: true, message: 'validation.isoDateTime' });

const DURATION_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `500ms`, `10s`, `1m`, `2h`, `1d` → milliseconds. */
export const Duration = z.string().regex(/^[1-9][0-9]{0,8}(ms|s|m|h|d)$/, 'validation.duration')
  .transform((s) => {
    const [, n, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(s)!;
    return Number(n) * DURATION_MS[unit as keyof typeof DURATION_MS];
  });

/** `a,b,c` or the parameter repeated → ["a","b","c"], each checked by `item`, at most 50, no repeats. */
function commaList<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (v) => (v === undefined ? v : (Array.isArray(v) ? v : [v]).flatMap((x) => (typeof x === 'string' ? x.split(',').map((s) => s.trim()) : [x]))),
    z.array(item).min(1).max(50).refine((xs) => new Set(xs).size === xs.length, 'validation.noRepeats'),
  );
}

export const HistoryQuery = z.object({
  parameter: commaList(Identifier).describe('parameter id, or several separated by commas (at most 50), answered aligned on time'),
  from: isoTime().optional().describe('start, inclusive; default one hour before "to"'),
  to: isoTime().optional().describe('end, inclusive; default now'),
  mode: z.enum(['raw', 'aggregate', 'plot']).default('raw').describe('raw: stored points; aggregate: functions per interval; plot: min and max per bucket, at most maxPoints values'),
  limit: z.coerce.number().int().min(1).max(100_000).default(10_000).describe('raw: most points per parameter; "truncated" says when more exist'),
  interval: Duration.optional().describe('aggregate: bucket length such as 1m; buckets start at "from"'),
  functions: commaList(z.enum(AGGREGATE_FUNCTIONS)).default(['mean']).describe('aggregate: any of mean,min,max,first,last,count'),
  quality: z.enum(['true', 'false']).default('false').transform((v) => v === 'true').describe('aggregate and plot: add each bucket\'s share of good-quality points (goodPercent) and its point count (points)'),
  exact: z.enum(['true', 'false']).default('false').transform((v) => v === 'true').describe('plot: also return each bucket\'s extremes as points at their own times, in time order (about twice the cost)'),
  maxPoints: z.coerce.number().int().min(2).max(20_000).default(1000).describe('plot: most values per parameter (each bucket gives its min and max); buckets of a minute or more are whole minutes on the clock, the first one holding "from"'),
  format: z.enum(['json', 'csv']).optional().describe('csv is also chosen by "Accept: text/csv"'),
});
export type HistoryQuery = z.infer<typeof HistoryQuery>;

export const HistoryPoint = z.object({
  t: z.number().int().describe('epoch ms'),
  v: ReadingValue.nullable(),
  q: Quality,
});

const ParameterHead = { parameter: z.string(), unit: z.string() };
const Window = { equipment: z.string(), from: z.number().int(), to: z.number().int() };

export const RawHistory = z.object({
  mode: z.literal('raw'),
  ...Window,
  parameter: z.string().describe('the first requested parameter (the single-parameter shape older clients read)'),
  unit: z.string(),
  truncated: z.boolean(),
  points: z.array(HistoryPoint),
  series: z.array(z.object({ ...ParameterHead, truncated: z.boolean(), points: z.array(HistoryPoint) })).describe('every requested parameter, in request order'),
  rows: z.array(z.object({
    t: z.number().int().describe('epoch ms'),
    values: z.record(z.string(), HistoryPoint.omit({ t: true })).describe('by parameter id; a parameter without a sample at t is absent'),
  })).optional().describe('several parameters: the same points aligned on time, one row per distinct time'),
}).meta({ id: 'RawHistory' });

const AggregateValue = z.number().nullable();
export const AggregateHistory = z.object({
  mode: z.literal('aggregate'),
  ...Window,
  intervalMs: z.number().int(),
  functions: z.array(z.enum(AGGREGATE_FUNCTIONS)),
  series: z.array(z.object({
    ...ParameterHead,
    rows: z.array(z.object({
      t: z.number().int().describe('bucket start, epoch ms'),
      mean: AggregateValue.optional(), min: AggregateValue.optional(), max: AggregateValue.optional(),
      first: AggregateValue.optional(), last: AggregateValue.optional(), count: AggregateValue.optional(),
      points: z.number().int().optional().describe('stored points of any quality (quality=true)'),
      goodPercent: z.number().optional().describe('share of them with quality good (quality=true)'),
    })),
  })).describe('buckets of intervalMs from "from"; buckets without samples are left out'),
}).meta({ id: 'AggregateHistory' });

export const PlotHistory = z.object({
  mode: z.literal('plot'),
  ...Window,
  bucketMs: z.number().int().describe('bucket length; buckets of a minute or more start on whole minutes, so the first may start before "from"'),
  maxPoints: z.number().int(),
  series: z.array(z.object({
    ...ParameterHead,
    buckets: z.array(z.object({
      t: z.number().int().describe('bucket start, epoch ms'), min: z.number(), max: z.number(),
      points: z.number().int().optional().describe('stored points of any quality (quality=true)'),
      goodPercent: z.number().optional().describe('share of them with quality good (quality=true)'),
    })),
    points: z.array(z.object({ t: z.number().int(), v: z.number() })).optional().describe('exact=true: the same extremes at their own times, oldest first'),
  })).describe('numeric values only; each bucket keeps its extremes so a single-sample spike survives'),
}).meta({ id: 'PlotHistory' });

export const History = z.discriminatedUnion('mode', [RawHistory, AggregateHistory, PlotHistory]).meta({ id: 'History' });
export type History = z.infer<typeof History>;
