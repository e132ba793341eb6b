import type { Logger } from '../../common/runtime/logger.js';
import type { Db } from '../db/index.js';
import type { EquipmentRegistry } from '../live/equipment-registry.js';
import type { Alarm, AlarmSource } from './model.js';
import { clearAlarm, getAlarm, isShelved, openAlarms, raiseAlarm, type Transition } from './store.js';
import { writeTransaction } from '../../common/runtime/sqlite.js';

export interface AlarmEvent { alarm: Alarm; transition: Transition | 'unshelved' }

/**
 * Live changes of one equipment are evaluated at most once per this long: a busy line delivers many messages a
 * second, and the sources read only the latest values anyway, so the work per reading is one set insertion.
 */
const COALESCE_MS = 50;

/**
 * Turns what the alarm sources see into alarms with a lifecycle. Runs in the API process, driven by the live
 * registry (the messages the API's broker link receives, coalesced per equipment) and a tick; ingest is not
 * involved. Per evaluation the cost is the sources' map lookups over the equipment's watched parameters and a walk
 * of its own open alarms: nothing grows with the reading rate, and the database is written only on transitions.
 */
export class AlarmEngine {
  /** When each not-yet-raised condition was first seen, for the delay a condition must hold before it is an alarm. */
  private readonly pendingSince = new Map<string, number>();
  /** Keys of active alarms, by `${source}|${equipment}`, as this process last wrote or read them. */
  private readonly active = new Map<string, Set<string>>();
  private readonly shelvedUntil = new Map<string, number>();
  private readonly listeners = new Set<(e: AlarmEvent) => void>();
  /** Run inside the transition's transaction: the notification outbox is written with the alarm or not at all. */
  private readonly inTransaction: ((e: AlarmEvent) => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly dirty = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly db: Db, private readonly registry: EquipmentRegistry, private readonly sources: AlarmSource[],
    private readonly now: () => number, private readonly logger: Logger,
  ) {}

  start(tickMs: number): void {
    for (const a of openAlarms(this.db)) {
      if (a.active) this.activeSet(a.source, a.equipmentId).add(a.key);
      if (a.shelvedUntil !== null) this.shelvedUntil.set(a.id, a.shelvedUntil);
    }
    this.unsubscribe = this.registry.onChange((id) => {
      this.dirty.add(id);
      this.flushTimer ??= setTimeout(() => this.flush(), COALESCE_MS);
    });
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.flushTimer);
    this.unsubscribe?.();
  }

  private flush(): void {
    this.flushTimer = undefined;
    const ids = [...this.dirty];
    this.dirty.clear();
    for (const id of ids) this.evaluate(id);
  }

  /** Listeners see every transition after it is stored (status stream, metrics). */
  onEvent(listener: (e: AlarmEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A hook run inside each transition's transaction (the notification outbox). */
  withinTransition(hook: (e: AlarmEvent) => void): void {
    this.inTransaction.push(hook);
  }

  /** Acknowledge and shelve are written by the routes; the engine passes them on so streams and notifications see them. */
  published(alarm: Alarm, transition: Transition): void {
    if (transition === 'shelved' && alarm.shelvedUntil !== null) this.shelvedUntil.set(alarm.id, alarm.shelvedUntil);
    this.emit({ alarm, transition });
  }

  tick(): void {
    const ids = new Set([...this.registry.list().map((e) => e.id), ...(this.db.prepare('SELECT id FROM equipment').pluck().all() as string[])]);
    for (const id of ids) this.evaluate(id);
    const now = this.now();
    for (const [id, until] of this.shelvedUntil) {
      if (until > now) continue;
      this.shelvedUntil.delete(id);
      const alarm = getAlarm(this.db, id);
      if (alarm && alarm.state !== 'cleared' && !isShelved(alarm, now)) this.emit({ alarm, transition: 'unshelved' });
    }
  }

  evaluate(equipmentId: string): void {
    // Called from the MQTT message handler: a failure here must not escape into the client.
    try {
      const now = this.now();
      for (const source of this.sources) {
        const conditions = source.evaluate(equipmentId, now);
        if (conditions === null) continue;
        const seen = new Set<string>();
        const active = this.activeSet(source.kind, equipmentId);
        for (const c of conditions) {
          seen.add(c.key);
          if (active.has(c.key)) continue;
          const since = this.pendingSince.get(c.key) ?? now;
          this.pendingSince.set(c.key, since);
          if (now - since < c.delayMs) continue;
          // Marked active only once stored: a failed write is tried again on the next evaluation, not forgotten.
          this.transition(() => raiseAlarm(this.db, c, now));
          this.pendingSince.delete(c.key);
          active.add(c.key);
        }
        // A condition that went away before its delay starts its delay afresh when it returns. The key of a source
        // with nothing after the equipment (offline|E1) is the base itself.
        const base = `${source.kind}|${equipmentId}`;
        for (const key of this.pendingSince.keys()) if (!seen.has(key) && (key === base || key.startsWith(`${base}|`))) this.pendingSince.delete(key);
        for (const key of active) {
          if (seen.has(key)) continue;
          this.transition(() => { const alarm = clearAlarm(this.db, key, now); return alarm ? { alarm, transition: 'cleared' } : null; });
          active.delete(key);
        }
      }
    } catch (err) {
      this.logger.error({ err, equipmentId }, 'alarm evaluation failed');
    }
  }

  private transition(write: () => { alarm: Alarm; transition: Transition } | null): void {
    const event = writeTransaction(this.db, () => {
      const e = write();
      if (e) for (const hook of this.inTransaction) hook(e);
      return e;
    });
    if (!event) return;
    this.logger.info({ alarmId: event.alarm.id, equipmentId: event.alarm.equipmentId, source: event.alarm.source, parameter: event.alarm.parameter, transition: event.transition }, `alarm ${event.transition}`);
    this.emit(event);
  }

  private emit(e: AlarmEvent): void {
    for (const listener of this.listeners) {
      try { listener(e); } catch (err) { this.logger.error({ err, alarmId: e.alarm.id }, 'alarm listener failed'); }
    }
  }

  private activeSet(source: string, equipmentId: string): Set<string> {
    const k = `${source}|${equipmentId}`;
    let set = this.active.get(k);
    if (!set) { set = new Set(); this.active.set(k, set); }
    return set;
  }
}
