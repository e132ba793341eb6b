import { z } from 'zod';
import { Severity } from '../../alarms/model.js';
import { Delivery, DeliveryState, Subscription, Target } from '../../notifications/model.js';

export const SubscriptionBody = z.strictObject({
  userId: z.string().min(1).max(100).optional().describe('whose subscription (staff may name anyone; default: yourself)'),
  equipmentId: z.string().min(1).max(100).nullable().default(null).describe('one piece of equipment, or null for every one you may see'),
  target: Target,
  minSeverity: Severity.default('low'),
  enabled: z.boolean().default(true),
});
export const SubscriptionPatch = z.strictObject({
  equipmentId: z.string().min(1).max(100).nullable().optional(), target: Target.optional(), minSeverity: Severity.optional(), enabled: z.boolean().optional(),
});
export const SubscriptionQuery = z.object({ user: z.string().min(1).max(100).optional().describe('staff: one person\'s subscriptions') });
export const SubscriptionList = z.object({ items: z.array(Subscription) });

export const DeliveryQuery = z.object({
  subscription: z.string().min(1).max(100).optional(), state: DeliveryState.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100), offset: z.coerce.number().int().min(0).default(0),
});
export const DeliveryList = z.object({ items: z.array(Delivery), total: z.number().int() });
