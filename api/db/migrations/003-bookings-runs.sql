-- Bookings, measured runs and calendar feed tokens (issue 6: bookings, runs). The reports work reads
-- runs and bookings by these column names.
CREATE TABLE bookings (
  id TEXT PRIMARY KEY,
  equipment_id TEXT NOT NULL REFERENCES equipment(id),
  org_id TEXT NOT NULL REFERENCES orgs(id),
  user_id TEXT NOT NULL REFERENCES users(id),
  starts_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'rejected', 'cancelled', 'no_show', 'completed')),
  -- A no-show keeps its slot unless the equipment's rule releases it.
  slot_released INTEGER NOT NULL DEFAULT 0,
  purpose TEXT NOT NULL DEFAULT '',
  cancel_reason TEXT,
  decided_by TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX bookings_equipment_time ON bookings (equipment_id, starts_at, ends_at);
CREATE INDEX bookings_org ON bookings (org_id, starts_at);

CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  equipment_id TEXT NOT NULL REFERENCES equipment(id),
  booking_id TEXT REFERENCES bookings(id),
  org_id TEXT REFERENCES orgs(id),
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  opened_by TEXT NOT NULL,
  closed_by TEXT,
  note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_equipment_time ON runs (equipment_id, started_at);
CREATE INDEX runs_booking ON runs (booking_id);
-- At most one open run per piece of equipment.
CREATE UNIQUE INDEX runs_one_open ON runs (equipment_id) WHERE ended_at IS NULL;

CREATE TABLE ical_tokens (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL REFERENCES users(id),
  kind TEXT NOT NULL CHECK (kind IN ('equipment', 'user')),
  subject_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
