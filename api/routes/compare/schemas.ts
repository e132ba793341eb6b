import { z } from 'zod';
import { Identifier } from '../../../common/contracts/index.js';
import { Alignment } from '../../compare/align.js';
import { distinctList } from '../bounds.js';

/** Runs and parameters one comparison may hold: 20 runs × 10 parameters is the case the benchmark measures. */
export const COMPARE_MAX_RUNS = 20;
export const COMPARE_MAX_PARAMETERS = 20;

const ID = '[a-z0-9][a-z0-9_-]{0,63}';
const Pair = z.string().regex(new RegExp(`^${ID}:${ID}$`), 'validation.parameterPair')
  .transform((s) => s.split(':') as [string, string]);
/** `a:b,c:d` → [["a","b"],["c","d"]]. */
const Pairs = z.string().min(1).transform((s) => s.split(',')).pipe(z.array(Pair).min(1).max(50));

export const AlignmentFields = {
  align: z.enum(['start', 'phase', 'condition']).default('start')
    .describe('offset 0 of each run: its start, the first time phaseParameter equals phase, or the first time condition holds'),
  phase: z.string().min(1).max(200).optional().describe('align=phase: the value (e.g. heating); a number also matches a numeric enum'),
  phaseParameter: Identifier.default('batch_state').describe('align=phase: the string or enum parameter that names the phase'),
  condition: z.string().min(1).max(500).optional().describe('align=condition: an expression in the run-condition language, e.g. temperature > 60 && stirrer == true'),
};

type AlignmentInput = { align: 'start' | 'phase' | 'condition'; phase?: string | undefined; condition?: string | undefined };
export function alignmentComplete(q: AlignmentInput, ctx: z.RefinementCtx, prefix: string[] = []): void {
  if (q.align === 'phase' && q.phase === undefined) ctx.addIssue({ code: 'custom', path: [...prefix, 'phase'], message: 'validation.requiredWithAlign', params: { align: 'phase' } });
  if (q.align === 'condition' && q.condition === undefined) ctx.addIssue({ code: 'custom', path: [...prefix, 'condition'], message: 'validation.requiredWithAlign', params: { align: 'condition' } });
}

export const CompareQuery = z.strictObject({
  runs: distinctList(z.string().min(1).max(100), COMPARE_MAX_RUNS).describe('run ids separated by commas; the first is the reference the others are compared with'),
  parameters: distinctList(Identifier, COMPARE_MAX_PARAMETERS).describe('parameter ids as the reference run\'s equipment names them'),
  ...AlignmentFields,
  normalise: z.enum(['duration']).optional().describe('duration: offsets as a fraction of each run\'s time after its alignment point (0 to 1)'),
  map: Pairs.optional().describe('pairs a:b of ids naming the same quantity on different equipment, separated by commas'),
  maxPoints: z.coerce.number().int().min(2).max(20_000).default(1000).describe('most values per run and parameter: each bucket gives its min and max'),
}).superRefine((q, ctx) => alignmentComplete(q, ctx));


const Stats = {
  count: z.number().int(), min: z.number().nullable(), max: z.number().nullable(), mean: z.number().nullable(),
};

export const Comparison = z.object({
  alignment: Alignment,
  axis: z.object({
    unit: z.enum(['ms', 'fraction']).describe('ms: offsets in milliseconds from the alignment point; fraction: of the run\'s time after it (normalise=duration)'),
    from: z.number(), to: z.number(), bucket: z.number().describe('bucket length in the axis unit'), count: z.number().int(),
  }),
  runs: z.array(z.object({
    id: z.string(), equipmentId: z.string(), orgId: z.string().nullable(), startedAt: z.number().int(), endedAt: z.number().int().nullable(),
    alignedAt: z.number().int().describe('epoch ms of offset 0'),
    parameters: z.record(z.string(), z.string()).describe('requested parameter id → the id read on this run\'s equipment'),
  })),
  series: z.array(z.object({
    parameter: z.string(), unit: z.string(),
    runs: z.array(z.object({
      runId: z.string(), source: z.string(),
      buckets: z.array(z.object({ offset: z.number().describe('bucket start on the axis'), min: z.number(), max: z.number() })),
    })),
  })).describe('per parameter, each run\'s min and max per bucket of the common axis, in run order'),
  statistics: z.array(z.object({
    parameter: z.string(), unit: z.string(),
    runs: z.array(z.object({
      runId: z.string(), ...Stats,
      difference: z.object({
        mean: z.number().nullable(), min: z.number().nullable(), max: z.number().nullable(),
        rms: z.number().nullable().describe('root mean square of the difference of bucket mid-values to the reference, over the buckets both hold'),
        overlap: z.number().int(),
      }).nullable().describe('this run minus the reference (first) run; null for the reference'),
    })),
  })).describe('over each run\'s whole window, every stored numeric value: count and mean from InfluxDB, min and max from the buckets (exact)'),
}).meta({ id: 'Comparison' });
