import { z } from 'zod';
import { Identifier } from './ids.js';

/** Retained payload of `pilothub/v1/{site}/gateway/{gateway}/status`; the offline one is the MQTT will. */
export const GatewayStatus = z.strictObject({
  gateway: Identifier,
  state: z.enum(['online', 'offline']),
});
export type GatewayStatus = z.infer<typeof GatewayStatus>;
