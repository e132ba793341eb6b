import { z } from 'zod';
import { Identifier, Quality, ReadingValue } from '../../../common/contracts/index.js';

export const HistoryParams = z.object({ id: Identifier });

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
