import { z } from 'zod';
import { Datatype, Identifier, Quality, ReadingValue } from '../../../common/contracts/index.js';

export const EquipmentParams = z.object({ id: Identifier });

export const ParameterSummary = z.object({
  id: z.string(), name: z.string(), unit: z.string(), datatype: Datatype,
});

export const EquipmentSummary = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  site: z.string(),
  gateway: z.string(),
  online: z.boolean().describe("the equipment's gateway is connected to the broker"),
  lastSeen: z.number().int().nullable().describe('time of the newest reading, epoch ms'),
  parameters: z.array(ParameterSummary),
}).meta({ id: 'EquipmentSummary' });

export const EquipmentList = z.object({ items: z.array(EquipmentSummary) });

const isoTime = (what: string) => z.iso.datetime({ offset: true, message: `${what} must be an ISO 8601 date-time such as 2026-11-23T10:00:00Z` });

export const HistoryQuery = z.object({
  parameter: Identifier.describe('parameter id'),
  from: isoTime('from').optional().describe('start, inclusive; default one hour before "to"'),
  to: isoTime('to').optional().describe('end, inclusive; default now'),
  limit: z.coerce.number().int().min(1).max(100_000).default(10_000).describe('most points returned; "truncated" says when more exist'),
});

export const HistoryPoint = z.object({
  t: z.number().int().describe('epoch ms'),
  v: ReadingValue.nullable(),
  q: Quality,
});

export const History = z.object({
  equipment: z.string(),
  parameter: z.string(),
  unit: z.string(),
  from: z.number().int(),
  to: z.number().int(),
  truncated: z.boolean(),
  points: z.array(HistoryPoint),
}).meta({ id: 'History' });
