import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Db } from '../db/index.js';
import { writeTransaction } from '../../common/runtime/sqlite.js';

/**
 * The process a holder runs in: where its pid names that process (`host`, see `pidScope`), the pid, and when that
 * process started (null: unknown).
 */
export interface HolderProcess { host: string; pid: number; processStart: string | null }

export interface LeaseRow { name: string; holder: string; expiresAt: number; acquiredAt: number; process: HolderProcess }

interface Row { name: string; holder: string; expires_at: number; acquired_at: number; holder_host: string; holder_pid: number; holder_process_start: string | null }
const toLease = (r: Row): LeaseRow => ({
  name: r.name, holder: r.holder, expiresAt: r.expires_at, acquiredAt: r.acquired_at,
  process: { host: r.holder_host, pid: r.holder_pid, processStart: r.holder_process_start },
});

/** Linux: field 22 of /proc/self/stat, the process's start in clock ticks since boot (shared by all its threads). */
function processStart(): string | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** The trimmed contents of a Linux /proc entry, or '' where there is none (another system). */
function fromProc(read: () => string): string {
  try {
    return read().trim();
  } catch {
    return '';
  }
}

/**
 * Where a pid names one process: the host name and, on Linux, the pid namespace and the boot id (e.g.
 * `lab-1 pid:[4026531836] boot:f5b88f8a-…`). Two containers with host networking share a host name but not their pid
 * namespace, and a rebooted host counts pids afresh: a pid is looked up only where all three match.
 */
function pidScope(): string {
  const namespace = fromProc(() => readlinkSync('/proc/self/ns/pid'));
  const bootId = fromProc(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'));
  return [hostname(), namespace, bootId && `boot:${bootId}`].filter(Boolean).join(' ');
}

const THIS_PROCESS: HolderProcess = { host: pidScope(), pid: process.pid, processStart: processStart() };
export const thisProcess = (): HolderProcess => THIS_PROCESS;

/**
 * Whether the process that holds a lease is known to be gone: only in the same pid scope (host, pid namespace, boot;
 * pids mean nothing elsewhere).
 * The same pid as ours is another process only when it started at another time (a restarted container's pid 1);
 * any other pid is gone when signalling it says there is no such process. A reused pid looks alive: then the lease
 * runs out its term as it would without this check.
 */
function holderGone(holder: HolderProcess, me: HolderProcess): boolean {
  if (holder.host !== me.host) return false;
  if (holder.pid === me.pid) return holder.processStart !== null && me.processStart !== null && holder.processStart !== me.processStart;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export function readLease(db: Db, name: string): LeaseRow | null {
  const row = db.prepare('SELECT * FROM leases WHERE name = ?').get(name) as Row | undefined;
  return row ? toLease(row) : null;
}

/**
 * The fence of every gated write: call it inside the write transaction (BEGIN IMMEDIATE), whose lock keeps anyone
 * from taking the lease until the transaction ends, and write only when it says yes.
 */
export function holdsLease(db: Db, name: string, holder: string, now: number): boolean {
  return db.prepare('SELECT 1 FROM leases WHERE name = ? AND holder = ? AND expires_at > ?').get(name, holder, now) !== undefined;
}

/**
 * Takes the lease when it is free, expired or its holder's process is gone, or renews it when `holder` has it, in
 * one write transaction: two contenders are serialised by the write lock, so only one of them finds it free.
 * Returns the lease as it stands afterwards (held by `holder` or by someone else).
 */
export function takeOrRenewLease(db: Db, name: string, holder: string, termMs: number, now: number, me: HolderProcess = thisProcess()): LeaseRow {
  return writeTransaction(db, () => {
    const current = readLease(db, name);
    if (current && current.holder !== holder && current.expiresAt > now && holderGone(current.process, me)) {
      db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, current.holder);
    }
    db.prepare(`INSERT INTO leases (name, holder, expires_at, acquired_at, holder_host, holder_pid, holder_process_start)
      VALUES (@name, @holder, @expiresAt, @now, @host, @pid, @processStart)
      ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
        acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END,
        holder_host = excluded.holder_host, holder_pid = excluded.holder_pid, holder_process_start = excluded.holder_process_start
      WHERE leases.holder = excluded.holder OR leases.expires_at <= @now`).run({ name, holder, expiresAt: now + termMs, now, ...me });
    return readLease(db, name)!;
  });
}

/** Gives the lease up at once (a clean stop), so a standby takes it at its next try instead of waiting for the term. */
export function releaseLease(db: Db, name: string, holder: string): void {
  writeTransaction(db, () => { db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder); });
}
