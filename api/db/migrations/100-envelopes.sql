-- Golden envelopes (issue #17): the band a parameter of a recipe keeps in good runs, per time offset from the
-- runs' alignment point, computed over reference runs staff chose. Each computation is a new version of the
-- recipe's envelope (on one piece of equipment, or on any: equipment_id ''); old versions stay, so a report or an
-- alarm can always name the version it used. Immutable like reports: the triggers refuse UPDATE and DELETE.
CREATE TABLE envelopes (
  id TEXT PRIMARY KEY,
  recipe TEXT NOT NULL,
  equipment_id TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL,
  method TEXT NOT NULL,
  k REAL,
  bucket_ms INTEGER NOT NULL,
  align_json TEXT NOT NULL,
  reference_runs_json TEXT NOT NULL,
  parameters_json TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  UNIQUE (recipe, equipment_id, version)
);
CREATE INDEX envelopes_created ON envelopes (created_at);

CREATE TRIGGER envelopes_no_update BEFORE UPDATE ON envelopes
BEGIN SELECT RAISE(ABORT, 'envelopes are immutable; compute a new version instead'); END;
CREATE TRIGGER envelopes_no_delete BEFORE DELETE ON envelopes
BEGIN SELECT RAISE(ABORT, 'envelopes are immutable; compute a new version instead'); END;
