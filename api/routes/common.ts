import { z } from 'zod';
import { ErrorBody } from '../plugins/errors.js';

/** ISO 8601 date-time with an offset, turned into epoch ms (inputs are ISO; outputs are epoch ms, like history). */
export const IsoTime = z.iso.datetime({ offset: true, message: 'validation.isoDateTime' });

export const IdParams = z.object({ id: z.string().min(1).max(100) });

/** Error responses every authenticated route may give, for the OpenAPI description. */
export const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody } as const;
export const withConflict = { ...errors, 409: ErrorBody } as const;

export const Ok = z.object({ ok: z.literal(true) });

/** A recipe or method as runs, bookings, spec limits, envelopes and reports name it: one rule, so names always match. */
export const RecipeName = z.string().trim().min(1).max(200);
