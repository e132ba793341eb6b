import { z } from 'zod';

export const UsageQuery = z.strictObject({
  org: z.string().min(1).max(100).optional().describe('default: your organisation'),
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'validation.yearMonth').describe('calendar month in the laboratory time zone (PILOTHUB_TIME_ZONE)'),
});

export const UsageLine = z.object({
  equipmentId: z.string(), bookings: z.number().int(), bookedMinutes: z.number(), usedMinutes: z.number(), overageMinutes: z.number(),
  gapMinutes: z.number().describe('minutes of usedMinutes during which the device did not answer (see gapPolicy)'),
  noShows: z.number().int(), billedMinutes: z.number(), rate: z.number().describe('per hour'), policy: z.enum(['booked', 'used', 'max']), amount: z.number(),
});

export const Usage = z.object({
  org: z.string(), month: z.string(), lines: z.array(UsageLine), total: z.number(),
  gapPolicy: z.string().describe('how device outages during runs were billed'),
}).meta({ id: 'Usage' });
