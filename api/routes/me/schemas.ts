import { z } from 'zod';
import { LanguageCode } from '../auth/schemas.js';

export const LabConfig = z.object({
  timeZone: z.string().describe('the laboratory\'s IANA time zone (PILOTHUB_TIME_ZONE): the dashboard shows every time in it'),
  languages: z.array(LanguageCode),
}).meta({ id: 'LabConfig' });

export const MePatch = z.strictObject({ language: LanguageCode });
