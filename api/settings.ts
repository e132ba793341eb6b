import { z } from 'zod';
import { labTimeZone } from '../common/runtime/time-zone.js';
import type { ServiceSettings } from './service-report/model.js';

const NonNegative = z.string().optional().transform((v, ctx) => {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    ctx.addIssue({ code: 'custom', message: `must be a number ≥ 0, got "${v}"` });
    return z.NEVER;
  }
  return n;
});

const Env = z.object({
  PILOTHUB_LAB_NAME: z.string().optional(),
  PILOTHUB_LAB_LOCATION: z.string().optional(),
  PILOTHUB_SERVICE_EXTERNAL_WEIGHT: NonNegative,
  PILOTHUB_SERVICE_HOURS_NORM: NonNegative,
  PILOTHUB_BILLING_CURRENCY: z.string().optional().refine((v) => !v || /^[A-Z]{3}$/.test(v), 'must be an ISO 4217 code such as CNY'),
});

/** What the laboratory states about itself, read from the environment once when the API is built (`app.lab`). */
export interface LabSettings {
  /** IANA zone of calendar periods, usage months, working hours read by people (PILOTHUB_TIME_ZONE). */
  timeZone: string;
  /** Printed on verification and service reports (PILOTHUB_LAB_NAME, PILOTHUB_LAB_LOCATION). */
  platform: { name: string; location: string };
  service: ServiceSettings;
}

/**
 * Every laboratory setting in one place, validated (`timeZone`: the zone the API was started with, if any): a bad value stops the start with the variable named, so every
 * report of one deployment agrees. External income's weight in yield (university rules use 1.5), the platform-wide
 * yearly hours norm (800 h is a common rule; each equipment may set its own), and the currency equipment rates are
 * billed in (usage amounts carry none; yield is only computed for values in it).
 */
export function labSettings(env: NodeJS.ProcessEnv = process.env, timeZone?: string): LabSettings {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '));
  const e = parsed.data;
  return {
    timeZone: timeZone ?? labTimeZone(env),
    platform: { name: e.PILOTHUB_LAB_NAME || 'pilothub pilot platform', location: e.PILOTHUB_LAB_LOCATION ?? '' },
    service: { externalWeight: e.PILOTHUB_SERVICE_EXTERNAL_WEIGHT ?? 1.5, hoursNorm: e.PILOTHUB_SERVICE_HOURS_NORM ?? 800, currency: e.PILOTHUB_BILLING_CURRENCY || 'CNY' },
  };
}
