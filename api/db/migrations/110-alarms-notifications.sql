-- Alarms with a lifecycle and their notifications (issue 17). One row per alarm occurrence chain: a condition that
-- returns before its alarm was both cleared and acknowledged re-activates the same row (ISA-18.2: a returning
-- unacknowledged alarm is one alarm, not a new one per flap).
CREATE TABLE alarms (
  id TEXT PRIMARY KEY,
  -- Identifies the condition: source, equipment and what it watches (parameter, run).
  key TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('equipment', 'spec-limit', 'offline', 'envelope')),
  equipment_id TEXT NOT NULL,
  parameter TEXT,
  run_id TEXT,
  -- The organisation whose run or booking had the equipment when the alarm was raised: its people may see it.
  org_id TEXT,
  severity TEXT NOT NULL CHECK (severity IN ('high', 'medium', 'low')),
  detail_json TEXT NOT NULL DEFAULT '{}',
  raised_at INTEGER NOT NULL,
  active INTEGER NOT NULL,
  last_active_at INTEGER NOT NULL,
  cleared_at INTEGER,
  occurrences INTEGER NOT NULL DEFAULT 1,
  acknowledged_at INTEGER,
  acknowledged_by TEXT,
  acknowledge_comment TEXT,
  shelved_until INTEGER,
  shelved_by TEXT,
  shelve_comment TEXT,
  -- Set once the alarm is cleared and acknowledged: it is history from then on.
  closed_at INTEGER,
  updated_at INTEGER NOT NULL
);
-- At most one open alarm per condition, whatever number of API processes evaluate it.
CREATE UNIQUE INDEX alarms_one_open ON alarms (key) WHERE closed_at IS NULL;
CREATE INDEX alarms_equipment_time ON alarms (equipment_id, raised_at);
CREATE INDEX alarms_updated ON alarms (updated_at);

CREATE TABLE notification_subscriptions (
  id TEXT PRIMARY KEY,
  -- Whose language the text is in, and who may change it (staff: anyone's).
  user_id TEXT NOT NULL REFERENCES users(id),
  -- NULL: every piece of equipment the person may see.
  equipment_id TEXT,
  channel TEXT NOT NULL CHECK (channel IN ('webhook', 'email', 'wecom', 'dingtalk')),
  target_json TEXT NOT NULL,
  min_severity TEXT NOT NULL DEFAULT 'low',
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX notification_subscriptions_user ON notification_subscriptions (user_id);

-- The outbox: one row per message to send, written in the same transaction as the alarm transitions it carries,
-- claimed by one dispatcher at a time, retried with backoff; its state is what GET /notifications and /metrics show.
CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  subscription_id TEXT NOT NULL REFERENCES notification_subscriptions(id) ON DELETE CASCADE,
  channel TEXT NOT NULL,
  -- Alarm transitions grouped into this message: [{ alarmId, transition, at }].
  events_json TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('grouping', 'pending', 'sending', 'sent', 'failed', 'suppressed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  sent_at INTEGER,
  updated_at INTEGER NOT NULL
);
CREATE INDEX notifications_due ON notifications (state, next_attempt_at);
CREATE INDEX notifications_subscription ON notifications (subscription_id, created_at);
