import { z } from 'zod';
import { EpochMs, Identifier } from './ids.js';

export const Datatype = z.enum(['number', 'boolean', 'string']);
export type Datatype = z.infer<typeof Datatype>;

/**
 * How the gateway acquires a parameter, so a report can state its acquisition settings (ISO/IEC 17025 §7.8.2).
 * The gateway fills it in from its configuration; it is not part of the parameter's YAML.
 */
export const Acquisition = z.strictObject({
  mode: z.enum(['poll', 'subscription']),
  intervalMs: z.number().int().nonnegative().describe('poll interval, or the OPC UA sampling interval (0 = as fast as the server can)'),
  deadband: z.strictObject({ type: z.enum(['absolute', 'percent']), value: z.number().nonnegative() }).optional(),
  repeatMs: z.number().int().positive().optional().describe('subscriptions: an unchanged value is published again this often (r: true), so silence longer than this means no data'),
});
export type Acquisition = z.infer<typeof Acquisition>;

/** What a consumer needs to know about a parameter without asking the gateway. */
export const ParameterMeta = z.strictObject({
  id: Identifier,
  name: z.string().min(1).max(200),
  unit: z.string().max(32).default(''),
  datatype: Datatype,
  range: z.strictObject({ min: z.number(), max: z.number() }).optional(),
  description: z.string().max(1000).optional(),
  acquisition: Acquisition.optional(),
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
