-- When a closed run's exact per-minute count and sum were last rebuilt from the raw readings (the API's wall clock,
-- ms, taken as the rebuild started), so compare and envelopes may read them (docs/compare.md "Sealed runs").
-- NULL: not sealed; changing a run's window clears it.
ALTER TABLE runs ADD COLUMN sealed_at INTEGER;
CREATE INDEX runs_unsealed ON runs (ended_at) WHERE sealed_at IS NULL AND ended_at IS NOT NULL;
-- A process sealing a run claims it until this time (ms), so two API processes never rebuild one run at once.
ALTER TABLE runs ADD COLUMN sealing_until INTEGER;
