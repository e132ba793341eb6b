import { Counter, Gauge, Registry } from 'prom-client';
import { DEFAULT_LANGUAGE, isLanguage } from '../../common/i18n/index.js';
import type { Logger } from '../../common/runtime/logger.js';
import type { AlarmEvent } from '../alarms/engine.js';
import { SEVERITY_RANK, type Alarm } from '../alarms/model.js';
import { getAlarm, isShelved } from '../alarms/store.js';
import type { Db } from '../db/index.js';
import type { Lease } from '../lease/lease.js';
import { newId, OPERATOR_ORG_ID } from '../sharing/people.js';
import { send } from './channels.js';
import { writeTransaction } from '../../common/runtime/sqlite.js';
import type { NotificationEvent, NotificationSettings } from './model.js';
import { renderNotification } from './render.js';
import { getSubscription, subscriptionsFor, toDelivery, type DeliveryRow } from './store.js';

const NOTIFIED = new Set(['raised', 'returned', 'cleared', 'unshelved']);
/** Messages sent at once: a slow receiver holds one slot, not the whole outbox. */
const CONCURRENCY = 4;

/**
 * Notifications of alarm transitions through an outbox in SQLite. `enqueue` runs inside the transition's transaction
 * and only writes rows: per subscription one open "grouping" message collects transitions for `groupMs` (longer when
 * the subscription's rate limit is used up), so a flapping signal becomes one message, not one per flap. The
 * dispatcher claims due rows, sends them and retries failures with exponential backoff; every row's state is
 * queryable and counted on /metrics. Only the holder of the duties lease sends (its claim checks the lease in the
 * claim's transaction), so a process that starts or takes over can tell rows orphaned by a gone holder, which it takes
 * back, from rows a live holder is sending.
 */
export class Notifier {
  readonly metrics = new Registry();
  private readonly attempts = new Counter({ name: 'pilothub_notification_attempts_total', help: 'Notification send attempts by channel and result', labelNames: ['channel', 'result'], registers: [this.metrics] });
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  /** Set while this process holds the lease and has taken back orphaned rows; aborted when it loses the lease or stops. */
  private tenure: AbortController | undefined;
  private unsubscribe: (() => void) | undefined;
  /** A take-over under way (it awaits the last drain): `stop()` waits for it, and it gives up once stopped. */
  private takingOver: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly db: Db, private readonly now: () => number, private readonly logger: Logger, private readonly settings: NotificationSettings,
    private readonly timeZone: string, private readonly lease: Lease,
  ) {
    const { db: database } = this;
    new Gauge({
      name: 'pilothub_notifications', help: 'Notifications in the outbox by state and channel', labelNames: ['state', 'channel'], registers: [this.metrics],
      collect() {
        this.reset();
        for (const r of database.prepare('SELECT state, channel, COUNT(*) AS n FROM notifications GROUP BY state, channel').all() as { state: string; channel: string; n: number }[]) this.set({ state: r.state, channel: r.channel }, r.n);
      },
    });
    new Gauge({
      name: 'pilothub_alarms_open', help: 'Alarms not yet both cleared and acknowledged, by source and state', labelNames: ['source', 'state'], registers: [this.metrics],
      collect() {
        this.reset();
        const rows = database.prepare(`SELECT source, CASE WHEN active = 1 AND acknowledged_at IS NULL THEN 'active' WHEN active = 1 THEN 'acknowledged' ELSE 'cleared_unacknowledged' END AS state,
          COUNT(*) AS n FROM alarms WHERE closed_at IS NULL GROUP BY 1, 2`).all() as { source: string; state: string; n: number }[];
        for (const r of rows) this.set({ source: r.source, state: r.state }, r.n);
      },
    });
  }

  start(): void {
    this.unsubscribe = this.lease.onChange((held) => {
      if (held) { this.beginTakeOver(); return; }
      // Lost (or given up): sends in flight are aborted; their rows stay "sending" for the next holder to take back.
      this.tenure?.abort();
      this.tenure = undefined;
    });
    if (this.lease.held) this.beginTakeOver();
    this.timer = setInterval(() => {
      // A take-over that failed (the database locked) is tried again here, or the holder would never send.
      if (this.lease.held && !this.tenure) this.beginTakeOver();
      void this.drain();
    }, this.settings.pollMs);
    this.timer.unref();
  }

  /** Aborts sends in flight (their rows stay "sending" and are due again for the next holder) and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
    this.tenure?.abort();
    this.tenure = undefined;
    await this.takingOver;
    await this.draining;
  }

  private beginTakeOver(): void {
    this.takingOver ??= this.takeOver()
      .catch((err: unknown) => this.logger.error({ err }, 'taking over the notification outbox failed; tried again at the next poll'))
      .finally(() => { this.takingOver = undefined; });
  }

  /**
   * A holder stopped or killed mid-send leaves rows "sending": the new holder makes them due again (a receiver may see
   * one twice, never none). Only rows whose claimer is not a live holder are taken back; this process's own aborted
   * sends of an earlier tenure are finished first (awaited) and taken back too.
   */
  private async takeOver(): Promise<void> {
    await this.draining;
    if (this.stopped || !this.lease.held || this.tenure) return;
    const taken = this.db.prepare(`UPDATE notifications SET state = 'pending', claimed_by = NULL WHERE state = 'sending'
      AND (claimed_by IS NULL OR claimed_by NOT IN (SELECT holder FROM leases WHERE name = ? AND expires_at > ? AND holder != ?))`)
      .run(this.lease.name, Date.now(), this.lease.instanceId).changes;
    if (taken > 0) this.logger.info({ notifications: taken, instanceId: this.lease.instanceId }, 'took back notifications a stopped holder was sending');
    this.tenure = new AbortController();
    void this.drain();
  }

  /** Called inside an alarm transition's transaction. */
  enqueue({ alarm, transition }: AlarmEvent): void {
    if (!NOTIFIED.has(transition)) return;
    // A shelf's expiry is news while the condition is still true ("shelf expired, still active"), the one message
    // after the silence: what happened while shelved was not notified. An alarm that cleared while shelved is over.
    if (transition === 'unshelved' && !alarm.active) return;
    const now = this.now();
    if (isShelved(alarm, now)) return;
    // An expiry is told at the shelf's end, also when the holder that records it took over later.
    const at = transition === 'unshelved' ? (alarm.shelvedUntil ?? now) : now;
    const event: NotificationEvent = { alarmId: alarm.id, transition: transition as NotificationEvent['transition'], at };
    for (const sub of subscriptionsFor(this.db, alarm.equipmentId)) {
      if (SEVERITY_RANK[alarm.severity] < SEVERITY_RANK[sub.minSeverity]) continue;
      // The tenancy rule of GET /alarms: staff hear everything, a customer only alarms of its own runs and bookings.
      if (sub.orgId !== OPERATOR_ORG_ID && sub.orgId !== alarm.orgId) continue;
      const open = this.db.prepare("SELECT id, events_json FROM notifications WHERE subscription_id = ? AND state = 'grouping'").get(sub.id) as { id: string; events_json: string } | undefined;
      if (open) {
        const events = [...(JSON.parse(open.events_json) as NotificationEvent[]), event];
        this.db.prepare('UPDATE notifications SET events_json = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(events), now, open.id);
        continue;
      }
      // The rate limit: with maxPerWindow messages already in the window, this one waits until the oldest leaves it.
      const recent = this.db.prepare('SELECT created_at FROM notifications WHERE subscription_id = ? AND created_at > ? ORDER BY created_at DESC LIMIT ?')
        .pluck().all(sub.id, now - this.settings.rateWindowMs, this.settings.maxPerWindow) as number[];
      const due = Math.max(now + this.settings.groupMs, recent.length >= this.settings.maxPerWindow ? recent.at(-1)! + this.settings.rateWindowMs : 0);
      this.db.prepare(`INSERT INTO notifications (id, subscription_id, channel, events_json, state, attempts, next_attempt_at, created_at, updated_at)
        VALUES (?, ?, ?, ?, 'grouping', 0, ?, ?, ?)`).run(newId('ntf'), sub.id, sub.target.channel, JSON.stringify([event]), due, now, now);
    }
  }

  /** Sends every due message; resolves when the outbox has nothing due. */
  drain(): Promise<void> {
    const tenure = this.tenure;
    if (!tenure) return Promise.resolve();
    this.draining ??= this.drainLoop(tenure.signal)
      .catch((err: unknown) => this.logger.error({ err }, 'notification dispatch failed'))
      .finally(() => { this.draining = undefined; });
    return this.draining;
  }

  private async drainLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const batch: DeliveryRow[] = [];
      for (let i = 0; i < CONCURRENCY; i++) {
        const row = this.claim();
        if (!row) break;
        batch.push(row);
      }
      if (batch.length === 0) return;
      await Promise.all(batch.map((row) => this.deliver(row, signal)));
    }
  }

  /** Claims the most overdue row, only while this process holds the lease in the database (the fence, in the claim's transaction). */
  private claim(): DeliveryRow | undefined {
    const now = this.now();
    return writeTransaction(this.db, () => {
      if (!this.lease.holdsInDatabase()) return undefined;
      return this.db.prepare(`UPDATE notifications SET state = 'sending', attempts = attempts + 1, claimed_by = @me, updated_at = @now
        WHERE id = (SELECT id FROM notifications WHERE state IN ('grouping', 'pending') AND next_attempt_at <= @now ORDER BY next_attempt_at LIMIT 1) RETURNING *`)
        .get({ me: this.lease.instanceId, now }) as DeliveryRow | undefined;
    });
  }

  private async deliver(row: DeliveryRow, signal: AbortSignal): Promise<void> {
    const delivery = toDelivery(row);
    const sub = getSubscription(this.db, delivery.subscriptionId);
    if (!sub?.enabled) return this.finish(row.id, 'suppressed', null);
    const user = this.db.prepare('SELECT language FROM users WHERE id = ?').get(sub.userId) as { language: string | null } | undefined;
    const lang = isLanguage(user?.language) ? user.language : DEFAULT_LANGUAGE;
    const alarms = new Map<string, Alarm>();
    for (const e of delivery.events) { const a = getAlarm(this.db, e.alarmId); if (a) alarms.set(a.id, a); }
    const name = (id: string) => (this.db.prepare('SELECT name FROM equipment WHERE id = ?').pluck().get(id) as string | undefined) ?? id;
    const msg = renderNotification(lang, this.timeZone, delivery.events, alarms, name, this.settings.publicUrl);
    const body = { id: delivery.id, language: lang, title: msg.title, text: msg.text, events: delivery.events.map((e) => ({ ...e, alarm: alarms.get(e.alarmId) ?? null })) };
    try {
      await send(sub.target, msg, body, { timeoutMs: this.settings.requestTimeoutMs, smtp: this.settings.smtp, now: Date.now(), signal });
      this.attempts.inc({ channel: sub.target.channel, result: 'sent' });
      this.finish(row.id, 'sent', null);
    } catch (err) {
      if (signal.aborted) return;
      const reason = err instanceof Error ? err.message : String(err);
      this.attempts.inc({ channel: sub.target.channel, result: 'failed' });
      const last = row.attempts >= this.settings.maxAttempts;
      this.logger.warn({ notificationId: row.id, subscriptionId: sub.id, channel: sub.target.channel, attempt: row.attempts, err: reason, gaveUp: last }, 'notification failed');
      if (last) return this.finish(row.id, 'failed', reason);
      const wait = Math.min(this.settings.retryMaxMs, this.settings.retryBaseMs * 2 ** (row.attempts - 1));
      this.db.prepare("UPDATE notifications SET state = 'pending', next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ? AND state = 'sending' AND claimed_by = ?")
        .run(this.now() + wait, reason, this.now(), row.id, this.lease.instanceId);
    }
  }

  /** Only while the row is still this process's claim: a row another holder took back is that holder's now. */
  private finish(id: string, state: 'sent' | 'failed' | 'suppressed', error: string | null): void {
    const now = this.now();
    this.db.prepare(`UPDATE notifications SET state = ?, last_error = COALESCE(?, last_error), sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END, updated_at = ?
      WHERE id = ? AND state = 'sending' AND claimed_by = ?`).run(state, error, state, now, now, id, this.lease.instanceId);
  }
}
