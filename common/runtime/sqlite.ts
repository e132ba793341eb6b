import Database from 'better-sqlite3';
import { privateFile, tightenIfPresent } from './private-files.js';

/**
 * Opens (creating its folder) a SQLite file the way every pilothub store uses it: owner-only, since stores hold
 * password hashes, session tokens and process data; WAL, so readers never wait for the one writer; and a busy
 * timeout, so a second process on the same file (the hub and a `pilothub` command, or two hub processes) waits for
 * the write lock instead of failing with SQLITE_BUSY. The busy timeout is set first, since switching a new file to
 * WAL already takes that lock. `synchronous` is each store's own durability choice (SQLite's default in WAL mode is FULL).
 */
export function openSqlite(file: string, options: { synchronous?: 'NORMAL' | 'FULL' } = {}): Database.Database {
  if (file !== ':memory:') {
    // SQLite creates -wal and -shm with the main file's mode (whatever the umask), so a private main file keeps
    // them private too; side files an older version left readable are tightened before SQLite reuses them.
    privateFile(file);
    tightenIfPresent(`${file}-wal`);
    tightenIfPresent(`${file}-shm`);
  }
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  if (options.synchronous) db.pragma(`synchronous = ${options.synchronous}`);
  return db;
}

/**
 * Runs `fn` in a transaction that takes the write lock at its start (BEGIN IMMEDIATE). Every pilothub transaction
 * writes, and a deferred one that reads first fails at once with SQLITE_BUSY_SNAPSHOT ("database is locked") when
 * another connection (the API thread, the run tracker, a `pilothub` command, a second hub) committed since that read:
 * SQLite's busy timeout does not cover that upgrade. Taking the lock first makes the other writer wait instead.
 */
export function writeTransaction<T>(db: Database.Database, fn: () => T): T {
  return db.transaction(fn).immediate();
}
