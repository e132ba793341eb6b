import type { Db } from '../db/index.js';
import { audit } from '../sharing/audit.js';
import { newId, type AuthUser } from '../sharing/people.js';
import { orgScope } from '../sharing/tenancy.js';
import type { Alarm, AlarmCondition, AlarmState } from './model.js';
import { writeTransaction } from '../../common/runtime/sqlite.js';

interface AlarmRow {
  id: string; key: string; source: Alarm['source']; equipment_id: string; parameter: string | null; run_id: string | null;
  org_id: string | null; severity: Alarm['severity']; detail_json: string; raised_at: number; active: number; last_active_at: number;
  cleared_at: number | null; occurrences: number; acknowledged_at: number | null; acknowledged_by: string | null;
  acknowledge_comment: string | null; shelved_until: number | null; shelved_by: string | null; shelve_comment: string | null;
  closed_at: number | null; updated_at: number; unshelved_at: number | null;
}

export function stateOf(r: { active: boolean | number; acknowledged_at?: number | null; acknowledgedAt?: number | null }): AlarmState {
  const acked = (r.acknowledged_at ?? r.acknowledgedAt ?? null) !== null;
  if (r.active) return acked ? 'acknowledged' : 'active';
  return acked ? 'cleared' : 'cleared_unacknowledged';
}

function toAlarm(r: AlarmRow): Alarm {
  return {
    id: r.id, source: r.source, equipmentId: r.equipment_id, parameter: r.parameter, runId: r.run_id, orgId: r.org_id,
    severity: r.severity, state: stateOf(r), active: r.active === 1, detail: JSON.parse(r.detail_json) as Alarm['detail'],
    raisedAt: r.raised_at, lastActiveAt: r.last_active_at, clearedAt: r.cleared_at, occurrences: r.occurrences,
    acknowledgedAt: r.acknowledged_at, acknowledgedBy: r.acknowledged_by, acknowledgeComment: r.acknowledge_comment,
    shelvedUntil: r.shelved_until, shelvedBy: r.shelved_by, shelveComment: r.shelve_comment, updatedAt: r.updated_at,
  };
}

export function getAlarm(db: Db, id: string): Alarm | null {
  const row = db.prepare('SELECT * FROM alarms WHERE id = ?').get(id) as AlarmRow | undefined;
  return row ? toAlarm(row) : null;
}

/** Open (not yet cleared and acknowledged) alarms, for the engine to pick up where it, or another process, left off. */
export function openAlarms(db: Db): (Alarm & { key: string })[] {
  return (db.prepare('SELECT * FROM alarms WHERE closed_at IS NULL').all() as AlarmRow[]).map((r) => ({ ...toAlarm(r), key: r.key }));
}

/** The organisation holding the equipment now: its open run's, else its current approved booking's. */
function holderOrg(db: Db, equipmentId: string, now: number): string | null {
  const run = db.prepare('SELECT org_id FROM runs WHERE equipment_id = ? AND ended_at IS NULL').get(equipmentId) as { org_id: string | null } | undefined;
  if (run?.org_id) return run.org_id;
  const booking = db.prepare("SELECT org_id FROM bookings WHERE equipment_id = ? AND status = 'approved' AND starts_at <= ? AND ends_at > ? ORDER BY starts_at DESC LIMIT 1")
    .get(equipmentId, now, now) as { org_id: string } | undefined;
  return booking?.org_id ?? null;
}

/*
 * Every update writes `updated_at = MAX(updated_at, now)`: a writer reads `now` before it waits for the write lock,
 * so a later commit can carry an earlier time, and an alarm's last change must not look older than the one before.
 */

export type Transition = 'raised' | 'returned' | 'cleared' | 'acknowledged' | 'shelved' | 'unshelved';

/**
 * Raises the condition's alarm, or re-activates its open one (a returning alarm is unacknowledged again). Returns
 * the alarm and what happened, or null when it was already active (another process raised it). Call in a transaction.
 */
export function raiseAlarm(db: Db, c: AlarmCondition, now: number): { alarm: Alarm; transition: Transition } | null {
  const open = db.prepare('SELECT * FROM alarms WHERE key = ? AND closed_at IS NULL').get(c.key) as AlarmRow | undefined;
  if (open?.active) return null;
  const detail = JSON.stringify(c.detail);
  const holder = holderOrg(db, c.equipmentId, now);
  // A condition back under another holder (another organisation's booking or run) is a new alarm of theirs: the old
  // one, with its values, stays with the organisation it was raised for and is closed as it was.
  if (open && (open.org_id !== holder || open.run_id !== (c.runId ?? null))) {
    db.prepare('UPDATE alarms SET closed_at = ?, updated_at = MAX(updated_at, ?) WHERE id = ?').run(now, now, open.id);
    audit(db, null, now, { action: 'alarm.close', entity: 'alarm', entityId: open.id, orgId: open.org_id, before: toAlarm(open), after: getAlarm(db, open.id) });
  } else if (open) {
    db.prepare(`UPDATE alarms SET active = 1, last_active_at = ?, cleared_at = NULL, occurrences = occurrences + 1, detail_json = ?,
      acknowledged_at = NULL, acknowledged_by = NULL, acknowledge_comment = NULL, updated_at = MAX(updated_at, ?) WHERE id = ?`).run(now, detail, now, open.id);
    const alarm = getAlarm(db, open.id)!;
    audit(db, null, now, { action: 'alarm.return', entity: 'alarm', entityId: alarm.id, orgId: alarm.orgId, before: toAlarm(open), after: alarm });
    return { alarm, transition: 'returned' };
  }
  const id = newId('alarm');
  db.prepare(`INSERT INTO alarms (id, key, source, equipment_id, parameter, run_id, org_id, severity, detail_json, raised_at, active, last_active_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`).run(id, c.key, c.source, c.equipmentId, c.parameter ?? null, c.runId ?? null,
    holder, c.severity, detail, now, now, now);
  const alarm = getAlarm(db, id)!;
  audit(db, null, now, { action: 'alarm.raise', entity: 'alarm', entityId: id, orgId: alarm.orgId, after: alarm });
  return { alarm, transition: 'raised' };
}

/** The condition went away: active -> cleared; an acknowledged alarm is closed with it. Call in a transaction. */
export function clearAlarm(db: Db, key: string, now: number): Alarm | null {
  const open = db.prepare('SELECT * FROM alarms WHERE key = ? AND closed_at IS NULL AND active = 1').get(key) as AlarmRow | undefined;
  if (!open) return null;
  db.prepare('UPDATE alarms SET active = 0, cleared_at = ?, last_active_at = ?, closed_at = CASE WHEN acknowledged_at IS NULL THEN NULL ELSE ? END, updated_at = MAX(updated_at, ?) WHERE id = ?')
    .run(now, now, now, now, open.id);
  const alarm = getAlarm(db, open.id)!;
  audit(db, null, now, { action: 'alarm.clear', entity: 'alarm', entityId: alarm.id, orgId: alarm.orgId, before: toAlarm(open), after: alarm });
  return alarm;
}

/** An alarm as a route's write left it, with the id of its audit entry: the commit order listeners go by. */
export interface AuditedAlarm { alarm: Alarm; auditId: number }

/** Who acknowledged, when, why; a cleared alarm acknowledged is closed. Returns null when already acknowledged. */
export function acknowledgeAlarm(db: Db, id: string, user: AuthUser, comment: string, now: number): AuditedAlarm | null {
  return writeTransaction(db, () => {
    const before = getAlarm(db, id);
    if (!before || before.acknowledgedAt !== null) return null;
    db.prepare('UPDATE alarms SET acknowledged_at = ?, acknowledged_by = ?, acknowledge_comment = ?, closed_at = CASE WHEN active = 0 THEN ? ELSE NULL END, updated_at = MAX(updated_at, ?) WHERE id = ?')
      .run(now, user.email, comment, now, now, id);
    const after = getAlarm(db, id)!;
    const auditId = audit(db, user, now, { action: 'alarm.acknowledge', entity: 'alarm', entityId: id, orgId: after.orgId, before, after });
    return { alarm: after, auditId };
  });
}

/** Shelved: hidden from lists, the board and notifications until `until` (ISA-18.2 shelving, by staff, with an expiry). */
export function shelveAlarm(db: Db, id: string, user: AuthUser, until: number, comment: string, now: number): AuditedAlarm {
  return writeTransaction(db, () => {
    const before = getAlarm(db, id)!;
    // A new shelf replaces the old one, also one whose expiry was already handled: only the new `until` counts.
    db.prepare('UPDATE alarms SET shelved_until = ?, shelved_by = ?, shelve_comment = ?, unshelved_at = NULL, updated_at = MAX(updated_at, ?) WHERE id = ?').run(until, user.email, comment, now, id);
    const after = getAlarm(db, id)!;
    const auditId = audit(db, user, now, { action: 'alarm.shelve', entity: 'alarm', entityId: id, orgId: after.orgId, before, after });
    return { alarm: after, auditId };
  });
}

/** Open alarms whose shelf has expired by `now` and whose expiry is not recorded yet (`unshelveAlarm`). */
export function expiredShelves(db: Db, now: number): string[] {
  return db.prepare('SELECT id FROM alarms WHERE closed_at IS NULL AND unshelved_at IS NULL AND shelved_until <= ?').pluck().all(now) as string[];
}

/**
 * Records that the alarm's shelf expired: `unshelved_at` and an audit entry `alarm.unshelve` by the system, which
 * is how other processes learn it. Null when there is nothing to record (already recorded, shelved again for longer,
 * or closed meanwhile). Call in a transaction: the check and the record are one step under the write lock.
 */
export function unshelveAlarm(db: Db, id: string, now: number): { alarm: Alarm; transition: Transition } | null {
  const open = db.prepare('SELECT * FROM alarms WHERE id = ? AND closed_at IS NULL AND unshelved_at IS NULL AND shelved_until <= ?').get(id, now) as AlarmRow | undefined;
  if (!open) return null;
  db.prepare('UPDATE alarms SET unshelved_at = ?, updated_at = MAX(updated_at, ?) WHERE id = ?').run(now, now, id);
  const alarm = getAlarm(db, id)!;
  audit(db, null, now, { action: 'alarm.unshelve', entity: 'alarm', entityId: id, orgId: alarm.orgId, before: toAlarm(open), after: alarm });
  return { alarm, transition: 'unshelved' };
}

export interface AlarmQuery { state?: AlarmState | 'open'; equipment?: string; since?: number; shelved?: boolean; limit: number; offset: number }

const STATE_SQL: Record<AlarmQuery['state'] & string, string> = {
  open: 'closed_at IS NULL',
  active: 'active = 1 AND acknowledged_at IS NULL',
  acknowledged: 'active = 1 AND acknowledged_at IS NOT NULL',
  cleared_unacknowledged: 'active = 0 AND acknowledged_at IS NULL',
  cleared: 'active = 0 AND acknowledged_at IS NOT NULL',
};

/**
 * Alarms `user` may see, newest change first. Customers: only alarms raised while their organisation's run or
 * booking held the equipment. Shelved alarms (until not yet passed) only when asked for.
 */
export function listAlarms(db: Db, user: AuthUser, q: AlarmQuery, now: number): { items: Alarm[]; total: number } {
  const scope = orgScope(user);
  const where = [scope.sql];
  const params: (string | number)[] = [...scope.params];
  if (q.state) where.push(STATE_SQL[q.state]);
  if (q.equipment) { where.push('equipment_id = ?'); params.push(q.equipment); }
  if (q.since !== undefined) { where.push('updated_at >= ?'); params.push(q.since); }
  where.push(q.shelved ? 'shelved_until > ?' : '(shelved_until IS NULL OR shelved_until <= ?)');
  params.push(now);
  const sql = where.join(' AND ');
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM alarms WHERE ${sql}`).get(...params) as { n: number }).n;
  const rows = db.prepare(`SELECT * FROM alarms WHERE ${sql} ORDER BY updated_at DESC, id LIMIT ? OFFSET ?`).all(...params, q.limit, q.offset) as AlarmRow[];
  return { items: rows.map(toAlarm), total };
}

export const isShelved = (a: Alarm, now: number) => a.shelvedUntil !== null && a.shelvedUntil > now;
