import { z } from 'zod';
import { Identifier } from '../../../common/contracts/index.js';
import { MIN_PASSWORD, Role } from '../../sharing/people.js';
import { LanguageCode } from '../auth/schemas.js';

const Password = z.string().min(MIN_PASSWORD).max(1000);

const ReportLanguage = LanguageCode.nullable().describe('language of the reports issued to this organisation unless the issuer picks one; null: en');
export const Org = z.object({ id: z.string(), name: z.string(), kind: z.enum(['operator', 'customer']), reportLanguage: ReportLanguage, createdAt: z.number().int() }).meta({ id: 'Org' });
export const OrgList = z.object({ items: z.array(Org) });
export const OrgBody = z.strictObject({ id: Identifier, name: z.string().min(1).max(200), reportLanguage: ReportLanguage.default(null) });
export const OrgPatch = z.strictObject({ name: z.string().min(1).max(200).optional(), reportLanguage: ReportLanguage.optional() });

export const UserDetail = z.object({
  id: z.string(), email: z.string(), name: z.string(), role: Role, orgId: z.string(), disabled: z.boolean(), createdAt: z.number().int(),
}).meta({ id: 'UserDetail' });
export const UserList = z.object({ items: z.array(UserDetail) });
export const UserBody = z.strictObject({
  email: z.email().max(320), name: z.string().min(1).max(200), role: Role, orgId: z.string().min(1),
  password: Password,
});
export const UserPatch = z.strictObject({
  name: z.string().min(1).max(200).optional(), role: Role.optional(), disabled: z.boolean().optional(),
  password: Password.optional(),
});
