import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openSqlite } from '../common/runtime/sqlite.js';
import { Account } from './accounts.js';

/** Where the MQTT accounts live under a data dir. */
export const usersFile = (dataDir: string) => join(dataDir, 'broker', 'users.sqlite');

// scrypt as in RFC 7914 §2 with N=2^15 (OWASP's 2023 minimum is N=2^17 at 8 MiB; 2^15 at 32 MiB memory keeps
// a gateway reconnect storm on a 2-core box affordable). Parameters are stored per user so they can be raised.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_BYTES = 32;

function hash(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))));
}

interface Row { username: string; account: string; salt: Buffer; hash: Buffer; params: string }

/**
 * MQTT service accounts with scrypt-hashed passwords (per-user random salt, timing-safe compare) in SQLite.
 * `pilothub user add/remove` and `npm start` write it; the broker reads it on every CONNECT.
 */
export class UserStore {
  private readonly db: Database.Database;

  constructor(readonly file: string) {
    this.db = openSqlite(file);
    this.db.exec(`CREATE TABLE IF NOT EXISTS users (
      username TEXT PRIMARY KEY, account TEXT NOT NULL, salt BLOB NOT NULL, hash BLOB NOT NULL, params TEXT NOT NULL,
      updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`);
  }

  /** Creates the account or replaces its bindings and password. */
  async set(account: Account, password: string): Promise<void> {
    const valid = Account.parse(account);
    if (password.length < 12) throw new Error(`password for "${valid.username}" must be at least 12 characters`);
    const salt = randomBytes(16);
    const key = await hash(password, salt, SCRYPT);
    this.db.prepare(`INSERT INTO users (username, account, salt, hash, params) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(username) DO UPDATE SET account = excluded.account, salt = excluded.salt, hash = excluded.hash,
      params = excluded.params, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`)
      .run(valid.username, JSON.stringify(valid), salt, key, JSON.stringify(SCRYPT));
  }

  remove(username: string): boolean {
    return this.db.prepare('DELETE FROM users WHERE username = ?').run(username).changes > 0;
  }

  get(username: string): Account | undefined {
    const row = this.db.prepare('SELECT account FROM users WHERE username = ?').get(username) as Pick<Row, 'account'> | undefined;
    return row ? Account.parse(JSON.parse(row.account)) : undefined;
  }

  list(): Account[] {
    return (this.db.prepare('SELECT account FROM users ORDER BY username').all() as Pick<Row, 'account'>[])
      .map((row) => Account.parse(JSON.parse(row.account)));
  }

  /** The account when the password matches; undefined for an unknown user or a wrong password. */
  async verify(username: string, password: string): Promise<Account | undefined> {
    const row = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as Row | undefined;
    // Unknown users still cost one scrypt, so response time does not reveal which usernames exist.
    const key = await hash(password, row?.salt ?? DUMMY_SALT, row ? (JSON.parse(row.params) as ScryptOptions) : SCRYPT);
    if (!row || key.length !== row.hash.length || !timingSafeEqual(key, row.hash)) return undefined;
    return Account.parse(JSON.parse(row.account));
  }

  close(): void {
    this.db.close();
  }
}

const DUMMY_SALT = randomBytes(16);

/** A random password for service accounts npm start creates: 24 bytes, base64url. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}
