import type { Db } from '../db/index.js';
import { isOperatorStaff, type AuthUser } from './people.js';

/**
 * The data window of a run, half-open like every window that decides who sees data (api/reports/windows.ts):
 * [started, ended), so touching runs never share the reading at their hand-over instant (issue #12). An open run
 * holds everything up to now, now included.
 */
export function runWindow(run: { started_at: number; ended_at: number | null }, now: number): { from: number; to: number } {
  return { from: run.started_at, to: run.ended_at ?? now + 1 };
}

/**
 * The time windows of process data `user` may see on one piece of equipment: null means unrestricted
 * (operator staff); otherwise the half-open windows of the user's organisation's runs there (runWindow).
 */
export function visibleWindows(db: Db, user: AuthUser, equipmentId: string, now: number = Date.now()): null | { from: number; to: number }[] {
  if (isOperatorStaff(user)) return null;
  const rows = db.prepare('SELECT started_at, ended_at FROM runs WHERE equipment_id = ? AND org_id = ? ORDER BY started_at')
    .all(equipmentId, user.orgId) as { started_at: number; ended_at: number | null }[];
  return rows.map((r) => runWindow(r, now));
}

/** SQL fragment and parameters restricting a table with an `org_id` column to what `user` may see. */
export function orgScope(user: AuthUser, column = 'org_id'): { sql: string; params: string[] } {
  return isOperatorStaff(user) ? { sql: '1 = 1', params: [] } : { sql: `${column} = ?`, params: [user.orgId] };
}

/** True when `user` may see an object owned by `orgId`; callers answer 404 otherwise, never 403. */
export const canSeeOrg = (user: AuthUser, orgId: string | null) => isOperatorStaff(user) || orgId === user.orgId;
