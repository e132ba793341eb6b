-- Leases: one API process at a time holds a named duty (the background duties: run tracking, alarm evaluation,
-- notification sending) when several processes serve one data directory. Taken when free or expired, renewed by
-- its holder before `expires_at`, released on a clean stop (api/lease).
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  -- The instance id of the process holding it (random per process start, logged and shown on /health).
  holder TEXT NOT NULL,
  -- Epoch ms; past it the lease is free for anyone to take.
  expires_at INTEGER NOT NULL,
  -- When this holder took it (kept while it renews).
  acquired_at INTEGER NOT NULL,
  -- Where the holder's process id names it (host name, and on Linux its pid namespace and boot id) and that id: a
  -- contender in the same place takes the lease at once when that process is gone (killed, crashed), instead of
  -- waiting out the term.
  holder_host TEXT NOT NULL,
  holder_pid INTEGER NOT NULL,
  -- When the holder's process started, as the system counts it (Linux: clock ticks since boot), or NULL where not
  -- known: a restarted container's process often has the same pid (1) as the one that died.
  holder_process_start TEXT
);

-- Which process claimed a message it is sending: a new lease holder takes back only messages claimed by a process
-- that no longer holds the lease, never those another live holder is sending.
ALTER TABLE notifications ADD COLUMN claimed_by TEXT;
