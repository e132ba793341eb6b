import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../api/db/index.js';
import { Lease } from '../api/lease/lease.js';
import { DEFAULT_NOTIFICATION_SETTINGS } from '../api/notifications/model.js';
import { Notifier } from '../api/notifications/notifier.js';
import { createLogger } from '../common/runtime/logger.js';
import { eventually, tempDir } from './helpers/servers.js';
import { httpReceiver } from './helpers/receivers.js';

const logger = createLogger('notifier-lease-test');
const cleanups: (() => void)[] = [];
afterEach(() => { for (const c of cleanups.splice(0).reverse()) c(); });

/** Two connections to one SQLite file, with one webhook subscription and one message due now. */
function outboxWithOneDueMessage(webhookUrl: string): { db: Db; other: Db } {
  const file = join(tempDir('pilothub-notifier-lease-'), 'pilothub.db');
  const db = openDatabase(file);
  const other = openDatabase(file);
  cleanups.push(() => { other.close(); db.close(); });
  const now = Date.now();
  db.exec(`INSERT INTO orgs (id, name, kind, created_at) VALUES ('operator', 'Operator', 'operator', 0) ON CONFLICT (id) DO NOTHING;
    INSERT INTO users (id, org_id, email, name, role, created_at) VALUES ('u-op', 'operator', 'op@x.test', 'Op', 'admin', 0);`);
  db.prepare(`INSERT INTO notification_subscriptions (id, user_id, equipment_id, channel, target_json, created_at, updated_at)
    VALUES ('sub-1', 'u-op', NULL, 'webhook', ?, 0, 0)`).run(JSON.stringify({ channel: 'webhook', url: `${webhookUrl}/hook` }));
  db.prepare(`INSERT INTO notifications (id, subscription_id, channel, events_json, state, attempts, next_attempt_at, created_at, updated_at)
    VALUES ('ntf-1', 'sub-1', 'webhook', '[]', 'pending', 0, ?, ?, ?)`).run(now - 1, now, now);
  return { db, other };
}

function holderAndNotifier(db: Db): { lease: Lease; notifier: Notifier } {
  const lease = new Lease(db, 'duties', logger, { termMs: 60_000, renewMs: 30_000 });
  lease.start();
  const notifier = new Notifier(db, Date.now, logger, { ...DEFAULT_NOTIFICATION_SETTINGS, pollMs: 50 }, 'UTC', lease);
  cleanups.push(() => lease.stop());
  return { lease, notifier };
}

const stateOf = (db: Db) => db.prepare("SELECT state FROM notifications WHERE id = 'ntf-1'").pluck().get() as string;

describe('the notifier on the duties lease', () => {
  it('claims nothing once stopped, even when stopped while its take-over was still pending', async () => {
    const receiver = await httpReceiver();
    const { db } = outboxWithOneDueMessage(receiver.url);
    const { lease, notifier } = holderAndNotifier(db);
    expect(lease.held).toBe(true);
    notifier.start();
    await notifier.stop();
    await new Promise((r) => setTimeout(r, 200));
    expect(stateOf(db)).toBe('pending');
    expect(receiver.received).toHaveLength(0);
  });

  it('takes over again at a later poll when its first take-over failed (database locked), and then sends', async () => {
    const receiver = await httpReceiver();
    const { db, other } = outboxWithOneDueMessage(receiver.url);
    const { lease, notifier } = holderAndNotifier(db);
    expect(lease.held).toBe(true);
    db.pragma('busy_timeout = 20');
    // Another process writes for a while: the take-over's write fails with SQLITE_BUSY.
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      notifier.start();
      await new Promise((r) => setTimeout(r, 150));
    } finally {
      other.prepare('ROLLBACK').run();
    }
    await eventually('the message sent', () => (stateOf(db) === 'sent' ? true : undefined), 10_000);
    expect(receiver.received).toHaveLength(1);
    await notifier.stop();
  });
});
