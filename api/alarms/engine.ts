import type { Logger } from '../../common/runtime/logger.js';
import type { Db } from '../db/index.js';
import type { EquipmentRegistry } from '../live/equipment-registry.js';
import type { DutyGate } from '../lease/lease.js';
import type { Alarm, AlarmSource } from './model.js';
import { clearAlarm, expiredShelves, openAlarms, raiseAlarm, unshelveAlarm, type Transition } from './store.js';
import { writeTransaction } from '../../common/runtime/sqlite.js';

export interface AlarmEvent { alarm: Alarm; transition: Transition }

/**
 * Live changes of one equipment are evaluated at most once per this long: a busy line delivers many messages a
 * second, and the sources read only the latest values anyway, so the work per reading is one set insertion.
 */
export const COALESCE_MS = 50;

/** Audit actions of alarm transitions, as listeners name them (`alarm.close`, a silent hand-over, is not one). */
const AUDITED: Record<string, Transition> = {
  'alarm.raise': 'raised', 'alarm.return': 'returned', 'alarm.clear': 'cleared', 'alarm.acknowledge': 'acknowledged', 'alarm.shelve': 'shelved', 'alarm.unshelve': 'unshelved',
};
/** How long the newest audit entry told per alarm is remembered: a transition read from the audit log is late by a tick at most. */
const TOLD_KEPT_MS = 60_000;

/**
 * Turns what the alarm sources see into alarms with a lifecycle. Runs in the API process, driven by the live
 * registry (the messages the API's broker link receives, coalesced per equipment) and a tick; ingest is not
 * involved. Per evaluation the cost is the sources' map lookups over the equipment's watched parameters and a walk
 * of its own open alarms: nothing grows with the reading rate, and the database is written only on transitions.
 *
 * With several API processes only the holder of the duties lease (`gate`) writes transitions. Each transition is
 * decided under the write lock, so two engines never store one twice; but each process judges conditions from its
 * own broker link and clock (the offline source above all), so two writers could clear an alarm in one process and
 * raise it again ("returned", one more notification) in the other. Standbys keep evaluating, so a condition's delay
 * is already counted when one takes over, and they learn the transitions others stored from the audit log
 * (`followStored`, each tick) to push them on their own status streams.
 *
 * A shelf's expiry is a transition too, stored by the holder (`expireShelves`): found in the database, not in a
 * process's memory, so a holder that stops before the expiry leaves it to the next one, and recorded with the
 * notification outbox in one transaction, so it is notified once, however many processes and restarts.
 */
export class AlarmEngine {
  /** When each not-yet-raised condition was first seen, for the delay a condition must hold before it is an alarm. */
  private readonly pendingSince = new Map<string, number>();
  /** Keys of active alarms, by `${source}|${equipment}`, as this process last wrote or read them. */
  private readonly active = new Map<string, Set<string>>();
  private readonly listeners = new Set<(e: AlarmEvent) => void>();
  /** Run inside the transition's transaction: the notification outbox is written with the alarm or not at all. */
  private readonly inTransaction: ((e: AlarmEvent) => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly dirty = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  /** The last audit entry `followStored` has read. */
  private auditCursor = 0;
  /** Audit entries of transitions this process told its listeners itself, so following the audit log does not tell them twice. */
  private readonly emittedHere = new Set<number>();
  /**
   * The newest audit entry told per alarm, and when. Listeners replace an alarm by id (the board), and another
   * process's transitions arrive a tick late while this one's are told at once: an older state (a `raised` read after
   * this process's `acknowledged`) is not told after a newer one. Audit ids, assigned under the write lock, follow the
   * order of commits; `updatedAt` does not (each writer reads its clock before waiting for the lock).
   */
  private readonly toldUpTo = new Map<string, { auditId: number; at: number }>();

  constructor(
    private readonly db: Db, private readonly registry: EquipmentRegistry, private readonly sources: AlarmSource[],
    private readonly now: () => number, private readonly logger: Logger, private readonly gate: DutyGate,
  ) {}

  start(tickMs: number): void {
    this.auditCursor = this.db.prepare('SELECT COALESCE(MAX(id), 0) FROM audit_log').pluck().get() as number;
    this.resync();
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

  /**
   * Acknowledge and shelve are written by the routes; the engine passes them on so streams and notifications see
   * them. `auditId`: the write's audit entry, as the store returned it.
   */
  published(alarm: Alarm, transition: Transition, auditId: number): void {
    this.emit({ alarm, transition }, auditId);
  }

  /** Which alarms are active, from the database: at start, and when this process takes over from another writer. */
  resync(): void {
    this.active.clear();
    for (const a of openAlarms(this.db)) if (a.active) this.activeSet(a.source, a.equipmentId).add(a.key);
  }

  tick(): void {
    this.followStored();
    const ids = new Set([...this.registry.list().map((e) => e.id), ...(this.db.prepare('SELECT id FROM equipment').pluck().all() as string[])]);
    for (const id of ids) this.evaluate(id);
    const now = this.now();
    for (const [id, told] of this.toldUpTo) if (told.at < now - TOLD_KEPT_MS) this.toldUpTo.delete(id);
    this.expireShelves(now);
  }

  /**
   * The holder records each open alarm's expired shelf (`alarm.unshelve`), running the outbox hook in the same
   * transaction: the notifier tells subscribers of an alarm still active then; one that cleared while shelved is over
   * and only shows again. Standbys tell their listeners from the audit log (`followStored`).
   */
  private expireShelves(now: number): void {
    if (!this.gate.held) return;
    let due: string[];
    try {
      due = expiredShelves(this.db, now);
    } catch (err) {
      this.logger.error({ err }, 'finding expired shelves failed; tried again at the next tick');
      return;
    }
    // One alarm whose record keeps failing must not hold back the others' expiries.
    for (const id of due) {
      try {
        // Fenced: another process holds the lease now and records the rest.
        if (!this.transition(() => unshelveAlarm(this.db, id, now))) return;
      } catch (err) {
        this.logger.error({ err, alarmId: id }, 'recording an expired shelf failed; tried again at the next tick');
      }
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
          if (!this.gate.held) continue;
          // Marked active only once stored: a failed write is tried again on the next evaluation, not forgotten.
          if (!this.transition(() => raiseAlarm(this.db, c, now))) continue;
          this.pendingSince.delete(c.key);
          active.add(c.key);
        }
        // A condition that went away before its delay starts its delay afresh when it returns. The key of a source
        // with nothing after the equipment (offline|E1) is the base itself.
        const base = `${source.kind}|${equipmentId}`;
        for (const key of this.pendingSince.keys()) if (!seen.has(key) && (key === base || key.startsWith(`${base}|`))) this.pendingSince.delete(key);
        for (const key of active) {
          if (seen.has(key) || !this.gate.held) continue;
          if (this.transition(() => { const alarm = clearAlarm(this.db, key, now); return alarm ? { alarm, transition: 'cleared' } : null; })) active.delete(key);
        }
      }
    } catch (err) {
      this.logger.error({ err, equipmentId }, 'alarm evaluation failed');
    }
  }

  /** False when the lease turned out not to be this process's (nothing written; `active` stays as it was). */
  private transition(write: () => { alarm: Alarm; transition: Transition } | null): boolean {
    const outcome = writeTransaction(this.db, () => {
      // The fence: under the write lock nobody can take the lease before this commits.
      if (!this.gate.holdsInDatabase()) return 'fenced' as const;
      const e = write();
      if (!e) return null;
      // Under the write lock, the newest audit entry of this alarm is the one `write` just made.
      const auditId = this.db.prepare("SELECT MAX(id) FROM audit_log WHERE entity = 'alarm' AND entity_id = ?").pluck().get(e.alarm.id) as number;
      for (const hook of this.inTransaction) hook(e);
      return { ...e, auditId };
    });
    if (outcome === 'fenced') return false;
    if (!outcome) return true;
    const { auditId, ...event } = outcome;
    this.logger.info({ alarmId: event.alarm.id, equipmentId: event.alarm.equipmentId, source: event.alarm.source, parameter: event.alarm.parameter, transition: event.transition }, `alarm ${event.transition}`);
    this.emit(event, auditId);
    return true;
  }

  /** Transitions another process stored (the holder's, or an acknowledgement or shelving made there), told to this process's listeners. */
  private followStored(): void {
    try {
      // Up to the newest entry now: one written while this runs is read at the next tick, not skipped.
      const last = this.db.prepare('SELECT COALESCE(MAX(id), 0) FROM audit_log').pluck().get() as number;
      const rows = this.db.prepare(`SELECT id, action, after_json FROM audit_log WHERE id > ? AND id <= ? AND entity = 'alarm'
        AND action IN (${Object.keys(AUDITED).map(() => '?').join(', ')}) ORDER BY id`).all(this.auditCursor, last, ...Object.keys(AUDITED)) as { id: number; action: string; after_json: string }[];
      for (const row of rows) {
        this.auditCursor = row.id;
        const alarm = JSON.parse(row.after_json) as Alarm;
        const transition = AUDITED[row.action]!;
        if (this.emittedHere.delete(row.id)) continue;
        this.tell({ alarm, transition }, row.id);
      }
      this.auditCursor = Math.max(this.auditCursor, last);
    } catch (err) {
      this.logger.error({ err }, 'reading stored alarm transitions failed');
    }
  }

  /** `auditId`: the audit entry of the stored transition. */
  private emit(e: AlarmEvent, auditId: number): void {
    this.emittedHere.add(auditId);
    this.tell(e, auditId);
  }

  /** A stored transition older than one already told of its alarm is dropped. */
  private tell(e: AlarmEvent, auditId: number): void {
    const told = this.toldUpTo.get(e.alarm.id);
    if (told !== undefined && auditId < told.auditId) return;
    this.toldUpTo.set(e.alarm.id, { auditId, at: this.now() });
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
