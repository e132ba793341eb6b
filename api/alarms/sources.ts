import type { Db } from '../db/index.js';
import type { EquipmentRegistry } from '../live/equipment-registry.js';
import { limitsFor, type SpecLimitRow } from '../reports/store.js';
import { getEquipment } from '../sharing/equipment-store.js';
import { alarmConditionOf, conditionNow } from '../sharing/live.js';
import { conditionKey, type AlarmCondition, type AlarmSettings, type AlarmSource, type LiveEnvelope, type OpenRunInfo } from './model.js';

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
    const r = db.prepare('SELECT id, org_id, started_at FROM runs WHERE equipment_id = ? AND ended_at IS NULL').get(equipmentId) as { id: string; org_id: string | null; started_at: number } | undefined;
    return r ? { id: r.id, equipmentId, orgId: r.org_id, startedAt: r.started_at } : null;
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

/** A parameter of an open run outside its specification limits (the run's default limits, recipe NULL). */
export function specLimitSource(db: Db, registry: EquipmentRegistry, runs: Cached<OpenRunInfo | null>, settings: AlarmSettings): AlarmSource {
  const limits = new Cached<SpecLimitRow[]>(CONFIG_TTL_MS, (id) => [...limitsFor(db, id, null).values()]);
  return {
    kind: 'spec-limit',
    evaluate(equipmentId) {
      const run = runs.get(equipmentId);
      if (!run) return [];
      const entry = registry.get(equipmentId);
      if (!entry || !registry.isOnline(entry)) return null;
      const out: AlarmCondition[] = [];
      for (const l of limits.get(equipmentId)) {
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

/**
 * Live deviation from a golden envelope: the open run's parameters against the band of the bucket its time offset
 * falls in. O(1) per watched parameter: the bucket is an index, not a search.
 */
export function envelopeSource(registry: EquipmentRegistry, runs: Cached<OpenRunInfo | null>, settings: AlarmSettings): AlarmSource {
  const lookup = settings.envelopeFor;
  // Envelopes may be marked while a run is open: looked up again once a second, by run.
  const envelopes = new Cached<LiveEnvelope | null>(CONFIG_TTL_MS, () => null);
  return {
    kind: 'envelope',
    evaluate(equipmentId, now) {
      const run = runs.get(equipmentId);
      if (!run || !lookup) return [];
      const env = envelopes.get(run.id, () => lookup(run));
      if (!env) return [];
      const entry = registry.get(equipmentId);
      if (!entry || !registry.isOnline(entry)) return null;
      const bucket = Math.floor((now - run.startedAt) / env.bucketMs);
      const out: AlarmCondition[] = [];
      for (const [parameter, band] of Object.entries(env.parameters)) {
        const v = numeric(registry, equipmentId, parameter);
        if (v === undefined || bucket < 0 || bucket >= band.low.length) continue;
        const low = band.low[bucket] ?? null;
        const high = band.high[bucket] ?? null;
        const side = high !== null && v > high ? 'high' : low !== null && v < low ? 'low' : null;
        if (!side) continue;
        out.push({
          key: conditionKey('envelope', equipmentId, parameter, run.id), source: 'envelope', equipmentId, parameter, runId: run.id,
          severity: 'medium', delayMs: env.holdMs ?? settings.envelopeHoldMs, detail: { value: v, side, limit: side === 'high' ? high : low, envelope: env.id, offsetMs: now - run.startedAt },
        });
      }
      return out;
    },
  };
}
