-- Fixed-window counters of the login limits (api/sharing/rate-windows.ts), in the database so every API process
-- sharing it counts together (issue #18: several API instances).
CREATE TABLE rate_windows (
  key TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  reset_at INTEGER NOT NULL
);
CREATE INDEX rate_windows_reset ON rate_windows (reset_at);
