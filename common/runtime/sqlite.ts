import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Opens (creating its folder) a SQLite file the way every pilothub store uses it: WAL, so readers never wait for
 * the one writer, and a busy timeout, so a second process on the same file (the hub and a `pilothub` command,
 * or two hub processes) waits for the write lock instead of failing with SQLITE_BUSY. The busy timeout is set
 * first, since switching a new file to WAL already takes that lock. `synchronous` is each store's own
 * durability choice (SQLite's default in WAL mode is FULL).
 */
export function openSqlite(file: string, options: { synchronous?: 'NORMAL' | 'FULL' } = {}): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  if (options.synchronous) db.pragma(`synchronous = ${options.synchronous}`);
  return db;
}
