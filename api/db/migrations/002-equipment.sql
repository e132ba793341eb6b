-- Equipment registry enriched by admins, booking rules, maintenance windows, qualifications (issue 6: equipment, bookings).
CREATE TABLE equipment (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  manufacturer TEXT NOT NULL DEFAULT '',
  model TEXT NOT NULL DEFAULT '',
  serial_number TEXT NOT NULL DEFAULT '',
  firmware TEXT NOT NULL DEFAULT '',
  calibration_date INTEGER,
  calibration_due INTEGER,
  calibration_certificate TEXT NOT NULL DEFAULT '',
  rate_internal REAL NOT NULL DEFAULT 0,
  rate_external REAL NOT NULL DEFAULT 0,
  billing_policy TEXT NOT NULL DEFAULT 'max' CHECK (billing_policy IN ('booked', 'used', 'max')),
  bookable INTEGER NOT NULL DEFAULT 0,
  required_qualification TEXT,
  run_condition TEXT,
  alarm_condition TEXT,
  run_close_after_s INTEGER NOT NULL DEFAULT 60,
  min_booking_min INTEGER NOT NULL DEFAULT 15,
  max_booking_min INTEGER NOT NULL DEFAULT 1440,
  lead_time_min INTEGER NOT NULL DEFAULT 0,
  cleaning_buffer_min INTEGER NOT NULL DEFAULT 0,
  multi_day INTEGER NOT NULL DEFAULT 0,
  working_hours TEXT,
  no_show_grace_min INTEGER NOT NULL DEFAULT 30,
  no_show_release INTEGER NOT NULL DEFAULT 1,
  auto_approve_all INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE auto_approvals (
  equipment_id TEXT NOT NULL REFERENCES equipment(id),
  org_id TEXT NOT NULL REFERENCES orgs(id),
  PRIMARY KEY (equipment_id, org_id)
);

CREATE TABLE maintenance_windows (
  id TEXT PRIMARY KEY,
  equipment_id TEXT NOT NULL REFERENCES equipment(id),
  starts_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX maintenance_equipment ON maintenance_windows (equipment_id, starts_at);

CREATE TABLE qualifications (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  expires_after_days INTEGER NOT NULL
);

CREATE TABLE user_qualifications (
  user_id TEXT NOT NULL REFERENCES users(id),
  qualification_id TEXT NOT NULL REFERENCES qualifications(id),
  granted_at INTEGER NOT NULL,
  granted_by TEXT NOT NULL,
  last_used_at INTEGER,
  PRIMARY KEY (user_id, qualification_id)
);
