import { z } from 'zod';
import { Alarm, AlarmState } from '../../alarms/model.js';
import { IsoTime } from '../common.js';

export const AlarmQuery = z.object({
  state: z.union([AlarmState, z.literal('open')]).optional().describe('one state, or "open": every alarm not both cleared and acknowledged'),
  equipment: z.string().min(1).max(100).optional(),
  since: IsoTime.optional().describe('alarms changed at or after this time'),
  shelved: z.enum(['true', 'false']).optional().describe('"true": only shelved alarms (hidden otherwise until their shelf expires)'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const AlarmList = z.object({ items: z.array(Alarm), total: z.number().int().describe('alarms matching, over all pages') });

export const AcknowledgeBody = z.strictObject({ comment: z.string().trim().max(1000).default('') });

/** Shelving is temporary by definition (ISA-18.2): at most 7 days. */
export const MAX_SHELVE_MS = 7 * 86_400_000;
export const ShelveBody = z.strictObject({
  until: IsoTime.describe('when the alarm shows again (at most 7 days ahead)'),
  comment: z.string().trim().min(1).max(1000).describe('why it is shelved'),
});
