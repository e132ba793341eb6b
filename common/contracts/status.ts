import { z } from 'zod';
import { Identifier } from './ids.js';

/** Retained payload of `pilothub/v1/{site}/gateway/{gateway}/status`; the offline one is the MQTT will. */
export const GatewayStatus = z.strictObject({
  gateway: Identifier,
  state: z.enum(['online', 'offline']),
  equipment: z.array(Identifier).max(10_000).optional()
    .describe('online: every equipment this gateway serves now; a retained birth of this gateway for anything else is stale (a removed device)'),
});
export type GatewayStatus = z.infer<typeof GatewayStatus>;
