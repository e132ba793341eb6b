-- Verification reports (issue 7). A report is immutable once issued: the triggers refuse every UPDATE
-- and DELETE, so even a bug or a hand-written SQL statement cannot alter one. An amendment is a new row
-- whose previous_id names the version it replaces.
CREATE TABLE reports (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL,
  equipment_id TEXT NOT NULL,
  org_id TEXT,
  version INTEGER NOT NULL,
  previous_id TEXT REFERENCES reports(id),
  window_from INTEGER NOT NULL,
  window_to INTEGER NOT NULL,
  issued_at INTEGER NOT NULL,
  issued_by TEXT NOT NULL,
  parameters_json TEXT NOT NULL,
  content_json TEXT NOT NULL,
  html TEXT NOT NULL,
  pdf BLOB NOT NULL,
  -- The run's data in the canonical serialisation, gzip-compressed: the CSV the report ships and the
  -- reference verify compares InfluxDB with to name the first differing point.
  data_csv_gz BLOB NOT NULL,
  data_sha256 TEXT NOT NULL,
  point_count INTEGER NOT NULL,
  UNIQUE (run_id, version)
);
CREATE INDEX reports_run ON reports (run_id, version);
CREATE INDEX reports_org ON reports (org_id, issued_at);
-- A version may be amended once: the next version is the only row naming it.
CREATE UNIQUE INDEX reports_previous ON reports (previous_id) WHERE previous_id IS NOT NULL;

CREATE TRIGGER reports_no_update BEFORE UPDATE ON reports
BEGIN SELECT RAISE(ABORT, 'reports are immutable once issued; issue an amendment instead'); END;
CREATE TRIGGER reports_no_delete BEFORE DELETE ON reports
BEGIN SELECT RAISE(ABORT, 'reports are immutable once issued; issue an amendment instead'); END;
