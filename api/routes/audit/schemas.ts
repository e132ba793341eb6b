import { z } from 'zod';
import { LIST_MAX_DAYS, LIST_MAX_LIMIT, windowWithin } from '../bounds.js';
import { IsoTime } from '../common.js';

export const AuditQuery = z.strictObject({
  entity: z.string().max(64).optional(), entityId: z.string().max(200).optional(), actor: z.string().max(320).optional().describe('user id or email'),
  action: z.string().max(64).optional(), org: z.string().max(100).optional(), from: IsoTime.optional(), to: IsoTime.optional(),
  limit: z.string().regex(/^\d{1,5}$/, 'validation.wholeNumber').transform(Number)
    .pipe(z.number().min(1).max(LIST_MAX_LIMIT)).optional(),
}).superRefine(windowWithin(LIST_MAX_DAYS));

export const AuditEntry = z.object({
  id: z.number().int(), at: z.number().int(), actorId: z.string().nullable(), actorEmail: z.string().nullable(), action: z.string(),
  entity: z.string(), entityId: z.string(), orgId: z.string().nullable(), before: z.unknown(), after: z.unknown(),
}).meta({ id: 'AuditEntry' });
export const AuditList = z.object({ items: z.array(AuditEntry) });
