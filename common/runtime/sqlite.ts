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
