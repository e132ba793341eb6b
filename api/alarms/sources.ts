import type { Db } from '../db/index.js';
import type { EquipmentRegistry } from '../live/equipment-registry.js';
import { limitsFor, type SpecLimitRow } from '../reports/store.js';
import { getEquipment } from '../sharing/equipment-store.js';
import { alarmConditionOf, conditionNow } from '../sharing/live.js';
import { LiveAlignments, type StoredAlignment } from './live-envelope.js';
import { conditionKey, type AlarmCondition, type AlarmSettings, type AlarmSource, type EnvelopeLookup, type LiveEnvelope, type OpenRunInfo } from './model.js';

/** Configuration read from SQLite at most once per `ttlMs` per key, so the per-message path does no queries. */
export class Cached<T> {
  private readonly entries = new Map<string, { at: number; value: T }>();
  constructor(private readonly ttlMs: number, private readonly load: (key: string) => T) {}
  get(key: string, load: (key: string) => T = this.load): T {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = load(key);
    this.entries.set(key, { at: now, value });
    return value;
  }
}

const CONFIG_TTL_MS = 1000;

export function openRunCache(db: Db): Cached<OpenRunInfo | null> {
  return new Cached(CONFIG_TTL_MS, (equipmentId) => {
    const r = db.prepare('SELECT id, org_id, started_at, recipe FROM runs WHERE equipment_id = ? AND ended_at IS NULL').get(equipmentId) as { id: string; org_id: string | null; started_at: number; recipe: string | null } | undefined;
    return r ? { id: r.id, equipmentId, orgId: r.org_id, startedAt: r.started_at, recipe: r.recipe } : null;
  });
}

/** A numeric value of a good reading, or undefined: bad readings and text say nothing about a limit. */
function numeric(registry: EquipmentRegistry, equipmentId: string, parameter: string): number | undefined {
  const v = registry.get(equipmentId)?.values.get(parameter);
  return v && v.q !== 'bad' && typeof v.v === 'number' ? v.v : undefined;
}

/** The equipment's own alarm condition (profile `alarmCondition`, default `alarm == true`), as the status uses it. */
export function equipmentAlarmSource(db: Db, registry: EquipmentRegistry): AlarmSource {
  const profiles = new Cached(CONFIG_TTL_MS, (id) => getEquipment(db, id));
  return {
    kind: 'equipment',
    evaluate(equipmentId) {
      const p = profiles.get(equipmentId);
      if (!p) return null;
      const source = alarmConditionOf(p, registry);
      const on = conditionNow(registry, equipmentId, source);
      if (on === null) return null;
      return on ? [{ key: conditionKey('equipment', equipmentId), source: 'equipment', equipmentId, severity: 'high', delayMs: 0, detail: { condition: source } }] : [];
    },
  };
}

/**
 * A parameter of an open run outside its specification limits: its recipe's own where there are, else the
 * defaults (recipe NULL), as its report will choose them.
 */
export function specLimitSource(db: Db, registry: EquipmentRegistry, runs: Cached<OpenRunInfo | null>, settings: AlarmSettings): AlarmSource {
  const limits = new Cached<SpecLimitRow[]>(CONFIG_TTL_MS, () => []);
  return {
    kind: 'spec-limit',
    evaluate(equipmentId) {
      const run = runs.get(equipmentId);
      if (!run) return [];
      const entry = registry.get(equipmentId);
      if (!entry || !registry.isOnline(entry)) return null;
      const out: AlarmCondition[] = [];
      for (const l of limits.get(`${equipmentId}|${run.recipe ?? ''}`, () => [...limitsFor(db, equipmentId, run.recipe).values()])) {
        const v = numeric(registry, equipmentId, l.parameter);
        if (v === undefined) continue;
        const side = l.high !== null && v > l.high ? 'high' : l.low !== null && v < l.low ? 'low' : null;
        if (!side) continue;
        out.push({
          key: conditionKey('spec-limit', equipmentId, l.parameter, run.id), source: 'spec-limit', equipmentId, parameter: l.parameter, runId: run.id,
          severity: 'medium', delayMs: settings.specLimitDelayMs, detail: { value: v, side, limit: side === 'high' ? l.high : l.low },
        });
      }
      return out;
    },
  };
}

/** Device offline, as the status derives it (api/live/equipment-registry.ts), except during maintenance. */
export function offlineSource(db: Db, registry: EquipmentRegistry, settings: AlarmSettings, now: () => number): AlarmSource {
  const maintenance = new Cached(CONFIG_TTL_MS, (id) => db.prepare('SELECT 1 FROM maintenance_windows WHERE equipment_id = ? AND starts_at <= ? AND ends_at > ?').get(id, now(), now()) !== undefined);
  const known = new Cached(CONFIG_TTL_MS, (id) => getEquipment(db, id) !== null);
  return {
    kind: 'offline',
    evaluate(equipmentId) {
      // Before the retained statuses arrived, or with the API's own broker link down, silence says nothing.
      if (!registry.settled || !known.get(equipmentId)) return null;
      if (maintenance.get(equipmentId)) return [];
      const a = registry.availabilityOf(equipmentId);
      return a.online ? [] : [{ key: conditionKey('offline', equipmentId), source: 'offline', equipmentId, severity: 'medium', delayMs: settings.offlineDelayMs, detail: { reason: a.reason ?? null } }];
    },
  };
}

/** How long live deviation keeps an equipment's answer: holds are seconds, so 4 comparisons a second suffice. */
const ENVELOPE_EVERY_MS = 250;

/**
 * Live deviation from a golden envelope: the open run's parameters against the band of the bucket its offset from
 * the envelope's alignment point falls in (nothing before that point). O(1) per watched parameter: the bucket is an
 * index, not a search.
 */
export function envelopeSource(registry: EquipmentRegistry, runs: Cached<OpenRunInfo | null>, lookup: EnvelopeLookup, settings: AlarmSettings, stored?: StoredAlignment): AlarmSource {
  // Envelopes may be computed while a run is open, or its recipe corrected: looked up again once a second, by run.
  const envelopes = new Cached<LiveEnvelope | null>(CONFIG_TTL_MS, () => null);
  const alignments = new LiveAlignments(registry, stored);
  const recent = new Map<string, { at: number; runId: string; conditions: AlarmCondition[] }>();

  const compare = (equipmentId: string, run: OpenRunInfo, now: number): AlarmCondition[] | null => {
    // The lookup depends on the run only through these (the organisation: whose runs a band may be built from).
    const env = envelopes.get(`${equipmentId}|${run.recipe ?? ''}|${run.orgId ?? ''}`, () => lookup(run));
    if (!env) return [];
    const entry = registry.get(equipmentId);
    if (!entry || !registry.isOnline(entry)) return null;
    const alignedAt = alignments.alignedAt(run, env);
    if (alignedAt === null) return [];
    const offsetMs = now - alignedAt;
    const bucket = Math.floor(offsetMs / env.bucketMs);
    if (bucket < 0) return [];
    const out: AlarmCondition[] = [];
    // The hot loop of live deviation (every watched parameter of every open run): no allocation unless a value is outside.
    for (const parameter in env.parameters) {
      const band = env.parameters[parameter]!;
      if (bucket >= band.low.length) continue;
      const v = entry.values.get(parameter);
      if (!v || v.q === 'bad' || typeof v.v !== 'number') continue;
      const low = band.low[bucket] ?? null;
      const high = band.high[bucket] ?? null;
      const side = high !== null && v.v > high ? 'high' : low !== null && v.v < low ? 'low' : null;
      if (!side) continue;
      out.push({
        key: conditionKey('envelope', equipmentId, parameter, run.id), source: 'envelope', equipmentId, parameter, runId: run.id,
        severity: 'medium', delayMs: settings.envelopeHoldMs, detail: { value: v.v, side, limit: side === 'high' ? high : low, envelope: env.id, offsetMs },
      });
    }
    return out;
  };

  return {
    kind: 'envelope',
    evaluate(equipmentId, now) {
      const run = runs.get(equipmentId);
      if (!run) return [];
      // A deviation must hold for seconds before it is an alarm: comparing every watched parameter on each of up to
      // 21 evaluations a second would cost a busy line's API more than comparing 4 times a second does.
      const last = recent.get(equipmentId);
      if (last && last.runId === run.id && now - last.at >= 0 && now - last.at < ENVELOPE_EVERY_MS) return last.conditions;
      const conditions = compare(equipmentId, run, now);
      if (conditions) recent.set(equipmentId, { at: now, runId: run.id, conditions });
      return conditions;
    },
  };
}
