import { z } from 'zod';
import type { ServiceSettings } from './model.js';

const Positive = (name: string, fallback: number) => z.string().optional().transform((v, ctx) => {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    ctx.addIssue({ code: 'custom', message: `${name} must be a number ≥ 0, got "${v}"` });
    return z.NEVER;
  }
  return n;
});

const Env = z.object({
  PILOTHUB_SERVICE_EXTERNAL_WEIGHT: Positive('PILOTHUB_SERVICE_EXTERNAL_WEIGHT', 1.5),
  PILOTHUB_SERVICE_HOURS_NORM: Positive('PILOTHUB_SERVICE_HOURS_NORM', 800),
});

/**
 * The service report's policy figures: external income's weight in yield (university rules use 1.5) and the
 * platform-wide yearly hours norm (800 h is a common rule); each equipment may set its own norm in its profile.
 * Read from the environment at start, like the laboratory's name, so every report of one deployment agrees.
 */
export function serviceSettings(env: NodeJS.ProcessEnv = process.env): ServiceSettings {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('; '));
  return { externalWeight: parsed.data.PILOTHUB_SERVICE_EXTERNAL_WEIGHT, hoursNorm: parsed.data.PILOTHUB_SERVICE_HOURS_NORM };
}
