import { z } from 'zod';
import { EpochMs, Identifier } from './ids.js';

/** A part of a device that does not answer while the rest does: a Modbus unit, a refused register, an OPC UA node. */
export const DeviceFault = z.strictObject({
  part: z.string().min(1).max(200).describe('what does not answer, e.g. "unit 7" or "node ns=2;s=R101.Temp"'),
  reason: z.string().min(1).max(500),
  since: EpochMs,
});
export type DeviceFault = z.infer<typeof DeviceFault>;

/**
 * The device cannot be read as often as configured (issue #20). Polled (Modbus, OPC UA reads): each acquisition cycle
 * takes longer than the interval, so cycles are stretched to the next slot; readings come less often, none is dropped.
 * Subscribed (OPC UA): the server's queue of a monitored item overflowed before the gateway fetched it, so the server
 * discarded samples (Part 4 §5.12.1.5, the Overflow bit); `queueOverflows` counts those.
 */
export const DeviceLag = z.strictObject({
  since: EpochMs.describe('when the first cycle overran'),
  intervalMs: z.number().int().positive().describe('the configured poll interval'),
  cycleMs: z.number().int().nonnegative().describe('how long the cycle that overran took'),
  missedCycles: z.number().int().nonnegative().describe('poll slots skipped since `since`, as of this state'),
  queueOverflows: z.number().int().nonnegative().optional()
    .describe('subscribed values the server flagged as overflowed (older samples discarded) since `since`, as of this state'),
});
export type DeviceLag = z.infer<typeof DeviceLag>;

/**
 * Retained payload of `pilothub/v1/{site}/{equipment}/state`: whether the gateway reaches the device itself.
 * The gateway's own status says only that the gateway is connected; this says whether the instrument behind it
 * answers. Published on every change and on every (re)connect, so a new subscriber always knows the current state.
 */
export const DeviceState = z.strictObject({
  gateway: Identifier,
  state: z.enum(['reachable', 'unreachable']),
  reason: z.string().min(1).max(500).optional().describe('why the device is unreachable; present exactly when it is'),
  since: EpochMs.describe('when the device entered this state'),
  faults: z.array(DeviceFault).max(200).default([]).describe('parts that do not answer while the device as a whole does'),
  lag: DeviceLag.optional().describe('present while the gateway reads the device less often than configured (overload)'),
  t: EpochMs.describe('when this state was published'),
}).refine((s) => (s.state === 'unreachable') === (s.reason !== undefined), { message: 'reason is required when unreachable and only then', path: ['reason'] });
export type DeviceState = z.infer<typeof DeviceState>;
