import type { InfluxV1Client } from '../../common/influx/v1-client.js';
import type { Logger } from '../../common/runtime/logger.js';
import { alignmentPoint } from '../compare/align.js';
import { compareRun } from '../compare/runs.js';
import { ApiError } from '../errors.js';
import type { Db } from '../db/index.js';
import type { EquipmentRegistry } from '../live/equipment-registry.js';
import type { DutyGate } from '../lease/lease.js';
import { AlarmEngine } from './engine.js';
import { alarmSettingsFromEnv, DEFAULT_ALARM_SETTINGS, type AlarmSettings } from './model.js';
import { storedEnvelopeLookup, type StoredAlignment } from './live-envelope.js';
import { envelopeSource, equipmentAlarmSource, offlineSource, openRunCache, specLimitSource } from './sources.js';

/**
 * The engine with every source pilothub has, its delays from PILOTHUB_ALARM_* (then `overrides`); live deviation
 * compares each open run with the stored envelope of its recipe.
 */
export function createAlarmEngine(db: Db, registry: EquipmentRegistry, influx: InfluxV1Client, now: () => number, logger: Logger, gate: DutyGate, overrides: Partial<AlarmSettings> = {}): { engine: AlarmEngine; settings: AlarmSettings } {
  const settings = { ...DEFAULT_ALARM_SETTINGS, ...alarmSettingsFromEnv(process.env), ...overrides };
  const runs = openRunCache(db);
  const sources = [
    equipmentAlarmSource(db, registry),
    specLimitSource(db, registry, runs, settings),
    offlineSource(db, registry, settings, now),
    envelopeSource(registry, runs, storedEnvelopeLookup(db), settings, storedAlignment(influx, registry, now)),
  ];
  return { engine: new AlarmEngine(db, registry, sources, now, logger.child({ component: 'alarms' }), gate), settings };
}

/** An open run's alignment point from its stored readings so far, found as compare finds it; null when not reached yet. */
export function storedAlignment(influx: InfluxV1Client, registry: EquipmentRegistry, now: () => number): StoredAlignment {
  return async (run, alignment) => {
    try {
      const row = { id: run.id, equipment_id: run.equipmentId, org_id: run.orgId, started_at: run.startedAt, ended_at: null };
      return await alignmentPoint(influx, compareRun(registry, row, now()), alignment, new Map());
    } catch (err) {
      // Not reached yet (422), or the equipment not announced: the live readings decide.
      if (err instanceof ApiError) return null;
      throw err;
    }
  };
}
