import { z } from 'zod';
import { LATE_READING_AGE_MS } from '../../common/influx/late-readings.js';

/** How runs are sealed (api/seal/README.md, docs/compare.md "Sealed runs"). */
export interface SealSettings {
  /**
   * How long after a run closed (its end by the API's clock) it is sealed. Must exceed LATE_READING_AGE_MS plus
   * clockToleranceMs: then every reading of the run stored after its seal started is old enough to be marked late.
   */
  delayMs: number;
  /**
   * A late marker counts as written after a seal when its writtenAt (ingest's clock) is later than the seal's start
   * (the API's clock) minus this: how far the two clocks may differ.
   */
  clockToleranceMs: number;
  /** How often the loop looks for runs to seal, and the most runs it seals per look. */
  tickMs: number;
  runsPerTick: number;
  /** Told each seal's duration (the benchmark prints it). */
  onSealed?: (runId: string, ms: number) => void;
}

export const DEFAULT_SEAL_SETTINGS: SealSettings = { delayMs: 180_000, clockToleranceMs: 30_000, tickMs: 5000, runsPerTick: 2 };

/** The delay's floor for the guarantee above; a shorter one is allowed (tests, benchmarks) but warned about. */
export const safeDelayMs = (s: SealSettings) => LATE_READING_AGE_MS + s.clockToleranceMs;

const SealEnv = z.object({ PILOTHUB_RUN_SEAL_DELAY_S: z.coerce.number().min(0).max(86_400).optional() });

/** The seal delay from the environment, in seconds; a bad value stops the start naming the variable. */
export function sealSettingsFromEnv(env: NodeJS.ProcessEnv): Partial<SealSettings> {
  const parsed = SealEnv.safeParse(env);
  if (!parsed.success) throw new Error(`PILOTHUB_RUN_SEAL_DELAY_S=${JSON.stringify(env.PILOTHUB_RUN_SEAL_DELAY_S)}: must be a number of seconds from 0 to 86400`);
  const s = parsed.data.PILOTHUB_RUN_SEAL_DELAY_S;
  return s === undefined ? {} : { delayMs: s * 1000 };
}
