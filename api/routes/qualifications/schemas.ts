import { z } from 'zod';
import { Identifier } from '../../../common/contracts/index.js';

export const Qualification = z.object({ id: z.string(), name: z.string(), expiresAfterDays: z.number().int() }).meta({ id: 'Qualification' });
export const QualificationList = z.object({ items: z.array(Qualification) });
export const QualificationBody = z.strictObject({
  id: Identifier, name: z.string().min(1).max(200),
  expiresAfterDays: z.number().int().min(1).max(36_500).describe('the qualification lapses after this many days without use'),
});

export const HeldQualification = z.object({
  qualificationId: z.string(), userId: z.string(), grantedAt: z.number().int(), grantedBy: z.string(),
  lastUsedAt: z.number().int().nullable(), expiresAt: z.number().int(), state: z.enum(['valid', 'expired']),
}).meta({ id: 'HeldQualification' });
export const HeldList = z.object({ items: z.array(HeldQualification) });
export const GrantParams = z.object({ id: z.string().min(1).max(100), qualificationId: z.string().min(1).max(100) });
