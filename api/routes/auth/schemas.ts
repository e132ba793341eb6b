import { z } from 'zod';
import { LANGUAGES } from '../../../common/i18n/index.js';
import { Role } from '../../sharing/people.js';

export const LanguageCode = z.enum(LANGUAGES).describe('en or zh-CN');

export const User = z.object({
  id: z.string(), email: z.string(), name: z.string(), role: Role, orgId: z.string(),
  language: LanguageCode.nullable().optional().describe('dashboard language the person chose; null until they choose (the browser\'s applies)'),
}).meta({ id: 'User' });

export const LoginBody = z.strictObject({ email: z.string().min(1).max(320), password: z.string().min(1).max(1000) });
export const Session = z.object({ token: z.string().describe('send as "Authorization: Bearer <token>"'), expiresAt: z.number().int(), user: User });

export const ApiKeyBody = z.strictObject({ name: z.string().min(1).max(200) });
export const ApiKey = z.object({ id: z.string(), userId: z.string(), name: z.string(), createdAt: z.number().int(), revokedAt: z.number().int().nullable() }).meta({ id: 'ApiKey' });
export const NewApiKey = ApiKey.extend({ key: z.string().describe('shown once; send as "Authorization: Bearer <key>"') });
export const ApiKeyList = z.object({ items: z.array(ApiKey) });
