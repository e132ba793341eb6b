import { z } from 'zod';
import { Identifier } from '../../../common/contracts/index.js';

export const IcalTokenBody = z.strictObject({
  kind: z.enum(['equipment', 'user']),
  equipmentId: Identifier.optional().describe('for kind "equipment"'),
});
export const IcalToken = z.object({
  id: z.string(), kind: z.enum(['equipment', 'user']), subjectId: z.string(), createdAt: z.number().int(), revokedAt: z.number().int().nullable(),
}).meta({ id: 'IcalToken' });
export const NewIcalToken = IcalToken.extend({ url: z.string().describe('secret feed URL; anyone holding it reads the feed until revoked') });
export const IcalTokenList = z.object({ items: z.array(IcalToken) });
export const FeedParams = z.object({ token: z.string().min(1).max(200) });
