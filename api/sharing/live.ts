import type { Db } from '../db/index.js';
import { STALE_AFTER_MS, type Availability, type EquipmentRegistry } from '../live/equipment-registry.js';
import { evaluateCondition, parseCondition, type Node } from './condition.js';
import { BLOCKING } from './bookings-store.js';
import type { EquipmentProfile } from './equipment-store.js';
import { deriveStatus, type LiveStatus } from './status.js';

const parsed = new Map<string, Node>();
function compiled(source: string): Node {
  let node = parsed.get(source);
  if (!node) { node = parseCondition(source); parsed.set(source, node); }
  return node;
}

/**
 * Evaluates a condition over the registry's latest values; null (unknown) when the equipment has no
 * condition, its gateway is offline or its newest reading is stale.
 */
export function conditionNow(registry: EquipmentRegistry, equipmentId: string, source: string | null): boolean | null {
  const entry = registry.get(equipmentId);
  if (!source || !entry || !registry.isOnline(entry)) return null;
  return evaluateCondition(compiled(source), (id) => entry.values.get(id)?.v);
}

const DEFAULT_ALARM = 'alarm == true';

/** The equipment's alarm condition: its own, else `alarm == true` when it has an "alarm" parameter, else none. */
export function alarmConditionOf(p: EquipmentProfile, registry: EquipmentRegistry): string | null {
  return p.alarmCondition ?? (registry.get(p.id)?.birth.parameters.some((x) => x.id === 'alarm') ? DEFAULT_ALARM : null);
}

/** The status shown to people; when offline, why and since when (the device's own reason where the gateway gave one). */
export interface LiveState { status: LiveStatus; reason?: string; since?: number; availability: Availability }

export function liveState(db: Db, registry: EquipmentRegistry, p: EquipmentProfile, now: number): LiveState {
  const entry = registry.get(p.id);
  const availability = registry.availabilityOf(p.id);
  const inMaintenance = db.prepare('SELECT 1 FROM maintenance_windows WHERE equipment_id = ? AND starts_at <= ? AND ends_at > ?').get(p.id, now, now) !== undefined;
  const booked = db.prepare(`SELECT 1 FROM bookings WHERE equipment_id = ? AND ${BLOCKING} AND starts_at <= ? AND ends_at > ?`).get(p.id, now, now) !== undefined;
  const status = deriveStatus({
    online: availability.online,
    // Readings carry their source (wall-clock) time, so their age is measured against the wall clock, not the calendar clock.
    // Unknown age with the device vouched for by its gateway (availability online) counts as fresh.
    dataAgeMs: entry?.lastSeen === undefined ? (availability.online ? 0 : undefined) : Date.now() - entry.lastSeen,
    staleAfterMs: entry ? registry.staleAfterMs(entry) : STALE_AFTER_MS,
    inMaintenance,
    alarm: conditionNow(registry, p.id, alarmConditionOf(p, registry)) === true,
    running: conditionNow(registry, p.id, p.runCondition) === true,
    booked,
  });
  return status === 'offline' ? { status, reason: availability.reason, since: availability.since, availability } : { status, availability };
}

/** What the API says of an offline equipment: its evidence in English and its cause for the catalogs; null when not offline. */
export function offlineInfo(live: ReturnType<typeof liveState>) {
  if (live.status !== 'offline') return null;
  const cause = live.availability.cause;
  return {
    reason: live.reason ?? null, code: cause?.code ?? null, since: live.since ?? null,
    gateway: cause && 'gateway' in cause ? cause.gateway : null, seconds: cause && 'seconds' in cause ? cause.seconds : null,
  };
}
