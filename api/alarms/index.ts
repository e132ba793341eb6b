import type { Logger } from '../../common/runtime/logger.js';
import type { Db } from '../db/index.js';
import type { EquipmentRegistry } from '../live/equipment-registry.js';
import { AlarmEngine } from './engine.js';
import { alarmSettingsFromEnv, DEFAULT_ALARM_SETTINGS, type AlarmSettings } from './model.js';
import { envelopeSource, equipmentAlarmSource, offlineSource, openRunCache, specLimitSource } from './sources.js';

/**
 * The engine with every source pilothub has, its delays from PILOTHUB_ALARM_* (then `overrides`);
 * `envelopeFor` connects live deviation to an envelope store.
 */
export function createAlarmEngine(db: Db, registry: EquipmentRegistry, now: () => number, logger: Logger, overrides: Partial<AlarmSettings> = {}): { engine: AlarmEngine; settings: AlarmSettings } {
  const settings = { ...DEFAULT_ALARM_SETTINGS, ...alarmSettingsFromEnv(process.env), ...overrides };
  const runs = openRunCache(db);
  const sources = [
    equipmentAlarmSource(db, registry),
    specLimitSource(db, registry, runs, settings),
    offlineSource(db, registry, settings, now),
    envelopeSource(registry, runs, settings),
  ];
  return { engine: new AlarmEngine(db, registry, sources, now, logger.child({ component: 'alarms' })), settings };
}
