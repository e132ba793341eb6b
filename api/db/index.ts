import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { openSqlite, writeTransaction } from '../../common/runtime/sqlite.js';

export type Db = Database.Database;

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const MIGRATION_FILE = /^(\d{3})-[a-z0-9-]+\.sql$/;

/**
 * Opens the metadata database (WAL, so readers never wait for the one writer) and applies every
 * migration not yet recorded in `schema_migrations`, in number order, each inside its own transaction.
 */
export function openDatabase(file: string): Db {
  const db = openSqlite(file);
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

export function migrate(db: Db, dir = MIGRATIONS_DIR): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const files = readdirSync(dir).filter((f) => MIGRATION_FILE.test(f)).sort();
  const seen = new Map<number, string>();
  for (const file of files) {
    const version = Number(file.slice(0, 3));
    const other = seen.get(version);
    if (other) throw new Error(`migrations ${other} and ${file} in ${dir} share the number ${version}`);
    seen.set(version, file);
  }
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  for (const [version, file] of [...seen.entries()].sort((a, b) => a[0] - b[0])) {
    if (isApplied.get(version)) continue;
    const sql = readFileSync(`${dir}${file}`, 'utf8');
    writeTransaction(db, () => {
      // Checked again under the write lock: another process starting at the same moment may have just applied it.
      if (isApplied.get(version)) return;
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(version, file, Date.now());
    });
  }
}
