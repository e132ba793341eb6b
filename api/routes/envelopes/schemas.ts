import { z } from 'zod';
import { Identifier } from '../../../common/contracts/index.js';
import { Envelope, EnvelopeMethod } from '../../envelopes/model.js';
import { Duration } from '../history/schemas.js';
import { RecipeName } from '../common.js';
import { AlignmentFields, alignmentComplete, COMPARE_MAX_PARAMETERS } from '../compare/schemas.js';

export const ENVELOPE_MAX_RUNS = 50;

const Pair = z.tuple([Identifier, Identifier]);

export const CreateEnvelopeBody = z.strictObject({
  recipe: RecipeName.describe('the recipe or method the envelope is for (as named on reports and spec limits)'),
  equipmentId: Identifier.optional().describe('the equipment it applies to; absent: the recipe on any equipment'),
  referenceRuns: z.array(z.string().min(1).max(100)).min(1).max(ENVELOPE_MAX_RUNS).describe('the good runs the band is computed over'),
  parameters: z.array(Identifier).min(1).max(COMPARE_MAX_PARAMETERS).refine((xs) => new Set(xs).size === xs.length, 'validation.noRepeats'),
  method: EnvelopeMethod.default('sigma').describe('sigma: mean ± k·σ of the runs\' bucket means; minmax: the runs\' extremes per bucket'),
  k: z.number().positive().max(10).default(3).describe('sigma: band half-width in standard deviations'),
  bucket: Duration.default(60_000).describe('bucket length such as 30s or 1m, laid from each run\'s alignment point'),
  ...AlignmentFields,
  map: z.array(Pair).max(50).optional().describe('pairs [a, b] of ids naming the same quantity on different equipment'),
  note: z.string().max(1000).default(''),
}).superRefine((b, ctx) => alignmentComplete(b, ctx));

export const EnvelopeQuery = z.strictObject({
  recipe: RecipeName.optional(),
  equipment: Identifier.optional().describe('envelopes made for this equipment'),
});

export const EnvelopeSummary = Envelope.omit({ parameters: true }).extend({
  parameters: z.array(z.object({ id: z.string(), unit: z.string(), buckets: z.number().int().describe('how many buckets the band has') })),
}).meta({ id: 'EnvelopeSummary' });
export const EnvelopeList = z.object({ items: z.array(EnvelopeSummary) });
export { Envelope };
