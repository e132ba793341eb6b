import type { Db } from '../db/index.js';
import type { AuthUser } from './people.js';

export interface AuditEntry {
  action: string;
  entity: string;
  entityId: string;
  orgId?: string | null;
  before?: unknown;
  after?: unknown;
}

/**
 * Records one write: who, when, what, before and after. Call it inside the write's transaction. Returns the entry's
 * id: assigned under the write lock, so ids follow the order in which writes committed.
 */
export function audit(db: Db, actor: AuthUser | null, at: number, entry: AuditEntry): number {
  const { lastInsertRowid } = db.prepare(`INSERT INTO audit_log (at, actor_id, actor_email, action, entity, entity_id, org_id, before_json, after_json)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    at, actor?.id ?? null, actor?.email ?? 'system', entry.action, entry.entity, entry.entityId, entry.orgId ?? null,
    entry.before === undefined ? null : JSON.stringify(entry.before), entry.after === undefined ? null : JSON.stringify(entry.after),
  );
  return Number(lastInsertRowid);
}
