-- Specification limits per equipment parameter, optionally per recipe/method (issue 7). A NULL recipe
-- is the default for every recipe without its own row.
CREATE TABLE spec_limits (
  id TEXT PRIMARY KEY,
  equipment_id TEXT NOT NULL,
  parameter TEXT NOT NULL,
  recipe TEXT,
  low REAL,
  high REAL,
  target REAL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK (low IS NOT NULL OR high IS NOT NULL),
  CHECK (low IS NULL OR high IS NULL OR low <= high)
);
-- One row per (equipment, parameter, recipe); COALESCE makes the default row unique too.
CREATE UNIQUE INDEX spec_limits_key ON spec_limits (equipment_id, parameter, COALESCE(recipe, ''));
