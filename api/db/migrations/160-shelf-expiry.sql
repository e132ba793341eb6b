-- When the alarm engine recorded that the alarm's current shelf expired (with an audit entry `alarm.unshelve` by the
-- system, in the transaction that notifies an alarm still active then); NULL while shelved or never shelved. Shelving
-- again sets it back to NULL, so only the newest shelf's expiry counts. Recorded in the database, not in a process,
-- so the expiry is handled once whichever API process holds the duties lease then, also after a restart.
ALTER TABLE alarms ADD COLUMN unshelved_at INTEGER;
-- Shelves that expired before this version were told on the status stream only; they are not notified now.
UPDATE alarms SET unshelved_at = shelved_until
  WHERE shelved_until IS NOT NULL AND shelved_until <= CAST(strftime('%s', 'now') AS INTEGER) * 1000;
-- The holder looks for expired shelves on every tick: only open alarms not yet handled are in this index.
CREATE INDEX alarms_shelf_due ON alarms (shelved_until) WHERE closed_at IS NULL AND unshelved_at IS NULL;
