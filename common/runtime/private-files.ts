import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** Group and other permission bits: what a file under the data dir must not have. */
const SHARED_BITS = 0o077;

export interface Tightened {
  /** Paths (relative to the data dir, in sorted order) that had group or other access and no longer have it. */
  changed: string[];
  /** Paths whose mode could not be changed (another owner), with the reason. */
  failed: { path: string; reason: string }[];
}

/**
 * Makes the data dir owner-only: what this process creates from now on, and what an older install left there.
 * The data dir holds password hashes (broker/users.sqlite), session tokens (api/pilothub.db), MQTT passwords
 * (secrets/), OPC UA private keys, gateway outboxes and InfluxDB's files.
 *
 * A process umask of 0o077, rather than a mode at each place a file is created, because most writers are not
 * ours to configure: SQLite creates -wal/-shm, node-opcua writes its PKI, influxd (a child process, which inherits
 * the umask) writes shards and WAL segments. The umask covers each of them, and every file added later, without
 * anyone remembering a chmod. It is process-wide, so only a process's entry point (`pilothub start`) may set it;
 * what the hub writes outside the data dir (the web build it serves itself) is owner-only too, which costs nothing.
 */
export function privateDataDir(dataDir: string): Tightened {
  process.umask(SHARED_BITS);
  mkdirSync(dataDir, { recursive: true });
  const result: Tightened = { changed: [], failed: [] };
  tightenTree(dataDir, dataDir, result);
  return result;
}

function tightenTree(root: string, path: string, result: Tightened): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return; // removed while we walk, e.g. a -wal file another pilothub command just checkpointed away
  }
  // A symbolic link's own mode means nothing on Linux, and what it points to may not be ours to change.
  if (stat.isSymbolicLink()) return;
  if (stat.mode & SHARED_BITS) {
    try {
      chmodSync(path, stat.mode & ~SHARED_BITS & 0o7777);
      result.changed.push(relative(root, path) || '.');
    } catch (err) {
      result.failed.push({ path: relative(root, path) || '.', reason: (err as Error).message });
    }
  }
  if (stat.isDirectory()) for (const entry of readdirSync(path).sort()) tightenTree(root, join(path, entry), result);
}

/**
 * Creates `file` (and its folder) owner-only when it does not exist, else takes group and other access away.
 * For stores opened outside `pilothub start` (e.g. `pilothub user add`), whose process keeps its usual umask.
 */
export function privateFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  tightenIfPresent(file);
}

/** Takes group and other access away from `file` if it exists. */
export function tightenIfPresent(file: string): void {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    return;
  }
  if (mode & SHARED_BITS) chmodSync(file, mode & ~SHARED_BITS & 0o7777);
}
