import { z } from 'zod';
import { EpochMs, Identifier } from './ids.js';

export const Datatype = z.enum(['number', 'boolean', 'string']);
export type Datatype = z.infer<typeof Datatype>;

/** What a consumer needs to know about a parameter without asking the gateway. */
export const ParameterMeta = z.strictObject({
  id: Identifier,
  name: z.string().min(1).max(200),
  unit: z.string().max(32).default(''),
  datatype: Datatype,
  range: z.strictObject({ min: z.number(), max: z.number() }).optional(),
  description: z.string().max(1000).optional(),
});
export type ParameterMeta = z.infer<typeof ParameterMeta>;

/** Retained payload of `pilothub/v1/{site}/{equipment}/birth`: sent on connect and on config change. */
export const Birth = z.strictObject({
  gateway: Identifier,
  equipment: z.strictObject({
    id: Identifier,
    name: z.string().min(1).max(200),
    kind: z.string().max(64).default(''),
    protocol: z.string().max(32),
  }),
  parameters: z.array(ParameterMeta).min(1),
  t: EpochMs,
});
export type Birth = z.infer<typeof Birth>;
