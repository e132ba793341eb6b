import { z } from 'zod';
import { EpochMs, Identifier } from './ids.js';

export const Quality = z.enum(['good', 'uncertain', 'bad']);
export type Quality = z.infer<typeof Quality>;

export const ReadingValue = z.union([z.number().finite(), z.boolean(), z.string().max(1024)]);
export type ReadingValue = z.infer<typeof ReadingValue>;

/** One sample of one parameter. Short keys because many readings travel per message. */
export const Reading = z.strictObject({
  p: Identifier.describe('parameter id'),
  v: ReadingValue.nullable().describe('value; null only with quality "bad", when there is no value to report'),
  t: EpochMs.describe('source time, epoch ms'),
  q: Quality.optional().describe('quality; absent means good'),
  r: z.literal(true).optional().describe('a repeat of an unchanged value (heartbeat or birth), not a new sample; absent for new samples'),
}).refine((r) => r.v !== null || r.q === 'bad', { message: 'v may be null only when q is "bad"', path: ['v'] })
  // The same rule in JSON Schema, for the compiled validators on the hot paths (ingest/batch-validator.ts,
  // gateway/batch-check.ts). As anyOf rather than if/then: ajv records an error object for a failing `if` (every
  // reading with a value) but none for a first anyOf branch that holds, so a valid batch allocates nothing here.
  .meta({ anyOf: [{ properties: { v: { type: ['number', 'boolean', 'string'] } } }, { required: ['q'], properties: { q: { const: 'bad' } } }] });
export type Reading = z.infer<typeof Reading>;

/** Payload of `pilothub/v1/{site}/{equipment}/data`, published at QoS 1. */
export const ReadingBatch = z.strictObject({
  gateway: Identifier,
  seq: z.number().int().nonnegative().describe('per-gateway sequence number, increases by one per message'),
  readings: z.array(Reading).min(1).max(10_000),
});
export type ReadingBatch = z.infer<typeof ReadingBatch>;

/** Largest payload ingest accepts; a full batch of 10 000 readings stays well below it. */
export const MAX_PAYLOAD_BYTES = 2 * 1024 * 1024;
