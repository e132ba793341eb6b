import type { Db } from '../db/index.js';
import type { Severity } from '../alarms/model.js';
import { Delivery, NotificationEvent, Target, type Subscription } from './model.js';

interface SubscriptionRow { id: string; user_id: string; equipment_id: string | null; channel: string; target_json: string; min_severity: Severity; enabled: number; created_at: number; updated_at: number }

const toSubscription = (r: SubscriptionRow): Subscription => ({
  id: r.id, userId: r.user_id, equipmentId: r.equipment_id, target: Target.parse(JSON.parse(r.target_json)), minSeverity: r.min_severity,
  enabled: r.enabled === 1, createdAt: r.created_at, updatedAt: r.updated_at,
});

/** A subscription as people read it: the DingTalk signing secret is never sent back. */
export const redacted = (s: Subscription): Subscription => (s.target.channel === 'dingtalk' && s.target.secret ? { ...s, target: { ...s.target, secret: '***' } } : s);

export function getSubscription(db: Db, id: string): Subscription | null {
  const row = db.prepare('SELECT * FROM notification_subscriptions WHERE id = ?').get(id) as SubscriptionRow | undefined;
  return row ? toSubscription(row) : null;
}

export function listSubscriptions(db: Db, userId?: string): Subscription[] {
  const rows = (userId
    ? db.prepare('SELECT * FROM notification_subscriptions WHERE user_id = ? ORDER BY created_at, id').all(userId)
    : db.prepare('SELECT * FROM notification_subscriptions ORDER BY created_at, id').all()) as SubscriptionRow[];
  return rows.map(toSubscription);
}

/** Enabled subscriptions that could concern an alarm of this equipment (who may see it is checked by the caller). */
export function subscriptionsFor(db: Db, equipmentId: string): (Subscription & { orgId: string })[] {
  const rows = db.prepare(`SELECT s.*, u.org_id AS org_id FROM notification_subscriptions s JOIN users u ON u.id = s.user_id
    WHERE s.enabled = 1 AND u.disabled = 0 AND (s.equipment_id IS NULL OR s.equipment_id = ?)`).all(equipmentId) as (SubscriptionRow & { org_id: string })[];
  return rows.map((r) => ({ ...toSubscription(r), orgId: r.org_id }));
}

export function saveSubscription(db: Db, s: Subscription): void {
  db.prepare(`INSERT INTO notification_subscriptions (id, user_id, equipment_id, channel, target_json, min_severity, enabled, created_at, updated_at)
    VALUES (@id, @userId, @equipmentId, @channel, @target, @minSeverity, @enabled, @createdAt, @updatedAt)
    ON CONFLICT (id) DO UPDATE SET equipment_id = excluded.equipment_id, channel = excluded.channel, target_json = excluded.target_json,
      min_severity = excluded.min_severity, enabled = excluded.enabled, updated_at = excluded.updated_at`)
    .run({ ...s, channel: s.target.channel, target: JSON.stringify(s.target), enabled: s.enabled ? 1 : 0 });
}

export function deleteSubscription(db: Db, id: string): void {
  db.prepare('DELETE FROM notification_subscriptions WHERE id = ?').run(id);
}

export interface DeliveryRow { id: string; subscription_id: string; channel: string; events_json: string; state: Delivery['state']; attempts: number; next_attempt_at: number; last_error: string | null; created_at: number; sent_at: number | null }

export const toDelivery = (r: DeliveryRow): Delivery => ({
  id: r.id, subscriptionId: r.subscription_id, channel: r.channel, events: NotificationEvent.array().parse(JSON.parse(r.events_json)), state: r.state,
  attempts: r.attempts, nextAttemptAt: r.next_attempt_at, lastError: r.last_error, createdAt: r.created_at, sentAt: r.sent_at,
});

export function listDeliveries(db: Db, filter: { userId?: string; subscriptionId?: string; state?: Delivery['state']; limit: number; offset: number }): { items: Delivery[]; total: number } {
  const where = ['1 = 1'];
  const params: (string | number)[] = [];
  if (filter.userId) { where.push('subscription_id IN (SELECT id FROM notification_subscriptions WHERE user_id = ?)'); params.push(filter.userId); }
  if (filter.subscriptionId) { where.push('subscription_id = ?'); params.push(filter.subscriptionId); }
  if (filter.state) { where.push('state = ?'); params.push(filter.state); }
  const sql = where.join(' AND ');
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM notifications WHERE ${sql}`).get(...params) as { n: number }).n;
  const rows = db.prepare(`SELECT * FROM notifications WHERE ${sql} ORDER BY created_at DESC, id LIMIT ? OFFSET ?`).all(...params, filter.limit, filter.offset) as DeliveryRow[];
  return { items: rows.map(toDelivery), total };
}
