import { z } from 'zod';
import { Identifier } from '../../../common/contracts/index.js';
import { distinctList, FREE_SLOTS_MAX_DAYS, FREE_SLOTS_MAX_EQUIPMENT, LIST_MAX_DAYS, LIST_MAX_LIMIT, windowWithin } from '../bounds.js';
import { IsoTime, RecipeName } from '../common.js';

export const BookingStatus = z.enum(['requested', 'approved', 'rejected', 'cancelled', 'no_show', 'completed']);

export const Booking = z.object({
  id: z.string(), equipmentId: z.string(), orgId: z.string(), userId: z.string(),
  startsAt: z.number().int(), endsAt: z.number().int(), status: BookingStatus,
  slotReleased: z.boolean().describe('a no-show whose slot was released'),
  purpose: z.string(), recipe: z.string().nullable().describe('the recipe or method the booker stated; runs opened in the booking follow it'),
  cancelReason: z.string().nullable(), decidedBy: z.string().nullable(), createdAt: z.number().int(),
  bookedMinutes: z.number(), measuredMinutes: z.number().describe('sum of this booking\'s runs'),
}).meta({ id: 'Booking' });

/** Another organisation's booking, as a customer sees it: when, never who. */
export const BusySlot = z.object({ equipmentId: z.string(), startsAt: z.number().int(), endsAt: z.number().int(), busy: z.literal(true) }).meta({ id: 'BusySlot' });

export const BookingList = z.object({ items: z.array(Booking), busy: z.array(BusySlot) });

export const BookingBody = z.strictObject({
  equipmentId: Identifier, startsAt: IsoTime, endsAt: IsoTime, purpose: z.string().max(1000).default(''),
  recipe: RecipeName.optional().describe('the recipe or method to be run, as spec limits and envelopes name it'),
});

export const BookingQuery = z.strictObject({
  equipment: Identifier.optional(),
  from: IsoTime.optional().describe('bookings ending after this time'),
  to: IsoTime.optional().describe('bookings starting before this time'),
  status: BookingStatus.optional(),
  limit: z.string().regex(/^\d{1,5}$/, 'validation.wholeNumber').transform(Number)
    .pipe(z.number().min(1).max(LIST_MAX_LIMIT)).default(LIST_MAX_LIMIT)
    .describe(`the first this many bookings, and as many busy slots, by start (default and most ${LIST_MAX_LIMIT})`),
}).superRefine(windowWithin(LIST_MAX_DAYS));

export const ReasonBody = z.strictObject({ reason: z.string().min(1).max(1000) });

export const FreeSlotQuery = z.strictObject({
  equipment: distinctList(Identifier, FREE_SLOTS_MAX_EQUIPMENT).describe(`comma-separated distinct equipment ids, at most ${FREE_SLOTS_MAX_EQUIPMENT}`),
  from: IsoTime, to: IsoTime.describe(`after from, at most ${FREE_SLOTS_MAX_DAYS} days later`),
  minMinutes: z.string().regex(/^\d{1,5}$/, 'validation.wholeMinutes').transform(Number).optional(),
}).superRefine(windowWithin(FREE_SLOTS_MAX_DAYS));
export const FreeSlots = z.object({
  items: z.array(z.object({ equipmentId: z.string(), free: z.array(z.object({ from: z.number().int(), to: z.number().int() })) })),
}).meta({ id: 'FreeSlots' });
