-- Platform service effectiveness (issue #16). The equipment's original value (设备原值) with its currency, which
-- decides its value band and its yield, and an optional yearly hours norm of its own (NULL: the platform-wide norm).
ALTER TABLE equipment ADD COLUMN original_value REAL;
ALTER TABLE equipment ADD COLUMN original_value_currency TEXT NOT NULL DEFAULT 'CNY';
ALTER TABLE equipment ADD COLUMN yearly_hours_norm REAL;
-- The service report reads every run, booking and report of a window across all equipment in one query each:
-- these let SQLite find what overlaps the window (ends after its start) instead of scanning per equipment.
CREATE INDEX runs_ended ON runs (ended_at, started_at);
CREATE INDEX bookings_ends ON bookings (ends_at, starts_at);
CREATE INDEX reports_issued ON reports (issued_at);
CREATE INDEX maintenance_ends ON maintenance_windows (ends_at);
