import { z } from 'zod';
import { Identifier } from '../../../common/contracts/index.js';
import { IsoTime } from '../common.js';

export const BookingStatus = z.enum(['requested', 'approved', 'rejected', 'cancelled', 'no_show', 'completed']);

export const Booking = z.object({
  id: z.string(), equipmentId: z.string(), orgId: z.string(), userId: z.string(),
  startsAt: z.number().int(), endsAt: z.number().int(), status: BookingStatus,
  slotReleased: z.boolean().describe('a no-show whose slot was released'),
  purpose: z.string(), cancelReason: z.string().nullable(), decidedBy: z.string().nullable(), createdAt: z.number().int(),
  bookedMinutes: z.number(), measuredMinutes: z.number().describe('sum of this booking\'s runs'),
}).meta({ id: 'Booking' });

/** Another organisation's booking, as a customer sees it: when, never who. */
export const BusySlot = z.object({ equipmentId: z.string(), startsAt: z.number().int(), endsAt: z.number().int(), busy: z.literal(true) }).meta({ id: 'BusySlot' });

export const BookingList = z.object({ items: z.array(Booking), busy: z.array(BusySlot) });

export const BookingBody = z.strictObject({
  equipmentId: Identifier, startsAt: IsoTime, endsAt: IsoTime, purpose: z.string().max(1000).default(''),
});

export const BookingQuery = z.strictObject({
  equipment: Identifier.optional(),
  from: IsoTime.optional().describe('bookings ending after this time'),
  to: IsoTime.optional().describe('bookings starting before this time'),
  status: BookingStatus.optional(),
});

export const ReasonBody = z.strictObject({ reason: z.string().min(1, 'a reason is required').max(1000) });

const idList = z.string().min(1).transform((s) => s.split(',')).pipe(z.array(Identifier).min(1).max(50));

export const FreeSlotQuery = z.strictObject({
  equipment: idList.describe('comma-separated equipment ids'),
  from: IsoTime, to: IsoTime,
  minMinutes: z.string().regex(/^\d{1,5}$/, 'must be a whole number of minutes').transform(Number).optional(),
});
export const FreeSlots = z.object({
  items: z.array(z.object({ equipmentId: z.string(), free: z.array(z.object({ from: z.number().int(), to: z.number().int() })) })),
}).meta({ id: 'FreeSlots' });
