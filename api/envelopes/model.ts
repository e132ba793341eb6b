import { z } from 'zod';
import { Alignment } from '../compare/align.js';

/** How the band of a bucket is made from the reference runs: their bucket means' mean ± k·σ, or their extremes. */
export const EnvelopeMethod = z.enum(['sigma', 'minmax']);


export const EnvelopeBucket = z.object({
  offsetMs: z.number().int().describe('bucket start: ms from the alignment point (negative before it)'),
  low: z.number(), high: z.number(),
  mean: z.number().optional().describe('sigma: the mean of the reference runs\' bucket means'),
  runs: z.number().int().describe('reference runs holding data in this bucket'),
});

export const EnvelopeParameter = z.object({ id: z.string(), unit: z.string(), buckets: z.array(EnvelopeBucket) });

/** One version of a recipe's envelope, as stored (immutable) and as the API answers it. */
export const Envelope = z.object({
  id: z.string(),
  recipe: z.string(),
  equipmentId: z.string().nullable().describe('null: for the recipe on any equipment'),
  version: z.number().int().min(1),
  method: EnvelopeMethod,
  k: z.number().nullable().describe('sigma: the band is mean ± k·σ; null for minmax'),
  bucketMs: z.number().int(),
  alignment: Alignment,
  referenceRuns: z.array(z.object({ id: z.string(), equipmentId: z.string(), alignedAt: z.number().int() })),
  parameters: z.array(EnvelopeParameter),
  note: z.string(),
  createdAt: z.number().int(),
  createdBy: z.string(),
}).meta({ id: 'Envelope' });
export type Envelope = z.infer<typeof Envelope>;
export type EnvelopeBucket = z.infer<typeof EnvelopeBucket>;
export type EnvelopeParameter = z.infer<typeof EnvelopeParameter>;
export type EnvelopeMethod = z.infer<typeof EnvelopeMethod>;

/** A report's comparison of its run with the recipe's current envelope (the report's data and hash do not include it). */
export const ReportEnvelope = z.object({
  id: z.string(), recipe: z.string(), version: z.number().int(), method: EnvelopeMethod, k: z.number().nullable(), bucketMs: z.number().int(),
  alignment: Alignment,
  alignedAt: z.number().int().nullable().describe('epoch ms of the run\'s alignment point; null when the run never reached it (nothing compared)'),
  parameters: z.array(z.object({
    id: z.string(), unit: z.string(),
    compared: z.number().int().describe('buckets of the run the envelope has a band for'),
    outsideMs: z.number().int().describe('time in buckets outside the band'),
    largest: z.object({
      offsetMs: z.number().int(), side: z.enum(['low', 'high']), value: z.number(), bound: z.number(), by: z.number(),
    }).nullable().describe('the farthest beyond the band; null when inside throughout'),
  })),
});
export type ReportEnvelope = z.infer<typeof ReportEnvelope>;
