-- Outages of the device during a run (issue 12: runs and reports record outages). A gap opens when the equipment
-- goes offline while a run is open and closes when it is back; ended_at is NULL while it lasts. Read back clipped
-- to the run's window, so a run corrected or closed by hand needs no change here.
CREATE TABLE run_gaps (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL REFERENCES runs(id),
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  reason TEXT NOT NULL
);
CREATE INDEX run_gaps_run ON run_gaps (run_id, started_at);
CREATE UNIQUE INDEX run_gaps_one_open ON run_gaps (run_id) WHERE ended_at IS NULL;
