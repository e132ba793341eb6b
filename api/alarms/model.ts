import { z } from 'zod';
import type { Alignment } from '../compare/align.js';

export const AlarmSourceKind = z.enum(['equipment', 'spec-limit', 'offline', 'envelope']);
export type AlarmSourceKind = z.infer<typeof AlarmSourceKind>;
export const Severity = z.enum(['high', 'medium', 'low']);
export type Severity = z.infer<typeof Severity>;
export const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2 };

/**
 * ISA-18.2 states: active and not acknowledged, active and acknowledged, cleared but not yet acknowledged (still
 * needs a person), cleared and acknowledged (history).
 */
export const AlarmState = z.enum(['active', 'acknowledged', 'cleared_unacknowledged', 'cleared']);
export type AlarmState = z.infer<typeof AlarmState>;

export const AlarmDetail = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
export type AlarmDetail = z.infer<typeof AlarmDetail>;

export const Alarm = z.object({
  id: z.string(),
  source: AlarmSourceKind,
  equipmentId: z.string(),
  parameter: z.string().nullable(),
  runId: z.string().nullable(),
  orgId: z.string().nullable(),
  severity: Severity,
  state: AlarmState,
  active: z.boolean(),
  detail: AlarmDetail.describe('what was seen: value, limit, side, reason, envelope id'),
  raisedAt: z.number().int(),
  lastActiveAt: z.number().int(),
  clearedAt: z.number().int().nullable(),
  occurrences: z.number().int().describe('times the condition returned before the alarm was closed'),
  acknowledgedAt: z.number().int().nullable(),
  acknowledgedBy: z.string().nullable(),
  acknowledgeComment: z.string().nullable(),
  shelvedUntil: z.number().int().nullable(),
  shelvedBy: z.string().nullable(),
  shelveComment: z.string().nullable(),
  updatedAt: z.number().int(),
}).meta({ id: 'Alarm' });
export type Alarm = z.infer<typeof Alarm>;

/** What a source says is wrong now; the engine turns it into an alarm once it held for `delayMs`. */
export interface AlarmCondition {
  /** Identifies the condition across evaluations: `${source}|${equipmentId}|...`. */
  key: string;
  source: AlarmSourceKind;
  equipmentId: string;
  parameter?: string;
  runId?: string;
  severity: Severity;
  delayMs: number;
  detail: AlarmDetail;
}

/**
 * One kind of alarm. `evaluate` is called for one piece of equipment on every live change of it and on the engine's
 * tick; it must be cheap (cached configuration, no queries per call beyond O(1) map lookups). It answers the
 * conditions true now, or null when it cannot tell (no fresh data): the open alarms of this source then stay as they are.
 */
export interface AlarmSource {
  readonly kind: AlarmSourceKind;
  evaluate(equipmentId: string, now: number): AlarmCondition[] | null;
}

export const conditionKey = (source: AlarmSourceKind, equipmentId: string, ...rest: string[]) => [source, equipmentId, ...rest].join('|');

/** The open run an envelope and limits are looked up for. */
export interface OpenRunInfo { id: string; equipmentId: string; orgId: string | null; startedAt: number; recipe: string | null }

/**
 * A golden envelope as live deviation needs it: per parameter a band per time-offset bucket from the envelope's
 * alignment point (the run's start, or the first time during the open run its phase or condition held). Bucket i
 * covers offsets [i·bucketMs, (i+1)·bucketMs); a null bound is open on that side; before the alignment point and
 * past the last bucket nothing is compared. Made from the stored envelope of the run's recipe (live-envelope.ts).
 */
export interface LiveEnvelope {
  id: string;
  bucketMs: number;
  alignment: Alignment;
  parameters: Record<string, { low: (number | null)[]; high: (number | null)[] }>;
}
export type EnvelopeLookup = (run: OpenRunInfo) => LiveEnvelope | null;

export interface AlarmSettings {
  /** A spec limit must be exceeded this long before it is an alarm (0: the first reading outside). */
  specLimitDelayMs: number;
  /** Equipment silent this long is an alarm (device offline). */
  offlineDelayMs: number;
  /** A parameter outside its envelope's band this long is an alarm. */
  envelopeHoldMs: number;
  /** How often every equipment is re-evaluated without new data (timers, offline, shelving expiry). */
  tickMs: number;
}
export const DEFAULT_ALARM_SETTINGS: AlarmSettings = { specLimitDelayMs: 0, offlineDelayMs: 60_000, envelopeHoldMs: 30_000, tickMs: 1000 };

const Seconds = z.coerce.number().min(0).max(86_400);
const AlarmEnv = z.object({
  PILOTHUB_ALARM_SPEC_DELAY_S: Seconds.optional(),
  PILOTHUB_ALARM_OFFLINE_AFTER_S: Seconds.optional(),
  PILOTHUB_ALARM_ENVELOPE_HOLD_S: Seconds.optional(),
});

/** Alarm delays from the environment, in seconds; a bad value stops the start naming the variable. */
export function alarmSettingsFromEnv(env: NodeJS.ProcessEnv): Partial<AlarmSettings> {
  const parsed = AlarmEnv.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${String(issue.path[0])}=${JSON.stringify(env[String(issue.path[0])])}: must be a number of seconds from 0 to 86400`);
  }
  const ms = (s: number | undefined) => (s === undefined ? undefined : s * 1000);
  return Object.fromEntries(Object.entries({
    specLimitDelayMs: ms(parsed.data.PILOTHUB_ALARM_SPEC_DELAY_S), offlineDelayMs: ms(parsed.data.PILOTHUB_ALARM_OFFLINE_AFTER_S), envelopeHoldMs: ms(parsed.data.PILOTHUB_ALARM_ENVELOPE_HOLD_S),
  }).filter(([, v]) => v !== undefined));
}
