import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import bcrypt from 'bcryptjs';
import { openSqlite, writeTransaction } from '../common/runtime/sqlite.js';
import { Account } from './accounts.js';

/** Where the MQTT accounts live under a data dir. */
export const usersFile = (dataDir: string) => join(dataDir, 'broker', 'users.sqlite');

// scrypt as in RFC 7914 §2 with N=2^15 (OWASP's 2023 minimum is N=2^17 at 8 MiB; 2^15 at 32 MiB memory keeps
// a gateway reconnect storm on a 2-core box affordable). Parameters are stored per user so they can be raised.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_BYTES = 32;
// A bcrypt hash is kept beside the scrypt one for brokers that verify passwords themselves (NATS server accepts only
// bcrypt, nats-config.ts). Cost 10 (2^10 rounds) is OWASP's minimum and NATS pays it on every CONNECT.
const BCRYPT_COST = 10;

function hash(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))));
}

interface Row { username: string; account: string; salt: Buffer; hash: Buffer; params: string; bcrypt: string | null }

/** An account with its bcrypt hash: null when it was stored before bcrypt hashes were kept, or its password is over 72 bytes. */
export interface BcryptAccount { account: Account; bcrypt: string | null }

/** The gateway account an equipment id is bound to: who alone may publish its data, births and states. */
export interface EquipmentOwner { username: string; site: string; gateway: string }

/** Refused binding: the equipment id is already bound to another gateway account (ids are unique on the platform). */
export class EquipmentTakenError extends Error {
  constructor(readonly equipment: string, readonly holder: EquipmentOwner) {
    super(`equipment "${equipment}" is already bound to account "${holder.username}" (site "${holder.site}", gateway "${holder.gateway}"); equipment ids are unique on the platform: remove it there first`);
  }
}

/**
 * MQTT service accounts with scrypt-hashed passwords (per-user random salt, timing-safe compare) in SQLite.
 * `pilothub user add/remove` and `npm start` write it; the broker reads it on every CONNECT.
 */
export class UserStore {
  private readonly db: Database.Database;
  private readonly owner;
  /** Bindings of accounts stored before equipment ids were unique that lost to an earlier account (see constructor). */
  readonly conflicts: { equipment: string; holder: EquipmentOwner; refused: string }[] = [];

  constructor(readonly file: string) {
    this.db = openSqlite(file);
    this.db.exec(`CREATE TABLE IF NOT EXISTS users (
      username TEXT PRIMARY KEY, account TEXT NOT NULL, salt BLOB NOT NULL, hash BLOB NOT NULL, params TEXT NOT NULL,
      updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));
      CREATE TABLE IF NOT EXISTS equipment_bindings (equipment TEXT PRIMARY KEY, username TEXT NOT NULL, site TEXT NOT NULL, gateway TEXT NOT NULL)`);
    // In a write transaction: two processes opening a store from before bcrypt hashes would both add the column.
    writeTransaction(this.db, () => {
      const columns = this.db.prepare("SELECT name FROM pragma_table_info('users')").all() as { name: string }[];
      if (!columns.some((c) => c.name === 'bcrypt')) this.db.exec('ALTER TABLE users ADD COLUMN bcrypt TEXT');
    });
    this.owner = this.db.prepare('SELECT username, site, gateway FROM equipment_bindings WHERE equipment = ?');
    // Rebuilt from the accounts on every open, so a store written before ids were unique gets its index too: the
    // account stored first keeps a doubly bound equipment id, the other's binding is reported and refused.
    writeTransaction(this.db, () => {
      this.db.exec('DELETE FROM equipment_bindings');
      for (const account of this.list('rowid')) {
        if (account.role !== 'gateway') continue;
        for (const equipment of account.equipment) {
          const holder = this.ownerOf(equipment);
          if (holder) this.conflicts.push({ equipment, holder, refused: account.username });
          else this.bind(equipment, account);
        }
      }
    });
  }

  /** Creates the account or replaces its bindings and password; refuses equipment bound to another account. */
  async set(account: Account, password: string): Promise<void> {
    const valid = Account.parse(account);
    if (password.length < 12) throw new Error(`password for "${valid.username}" must be at least 12 characters`);
    this.checkFree(valid);
    const salt = randomBytes(16);
    const key = await hash(password, salt, SCRYPT);
    // bcrypt reads only the first 72 bytes: a longer password would let any with the same start through.
    const bcryptHash = bcrypt.truncates(password) ? null : await bcrypt.hash(password, BCRYPT_COST);
    writeTransaction(this.db, () => {
      // Again inside the transaction: another process may have bound the equipment while the password was hashed.
      this.checkFree(valid);
      this.db.prepare(`INSERT INTO users (username, account, salt, hash, params, bcrypt) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(username) DO UPDATE SET account = excluded.account, salt = excluded.salt, hash = excluded.hash,
        params = excluded.params, bcrypt = excluded.bcrypt, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`)
        .run(valid.username, JSON.stringify(valid), salt, key, JSON.stringify(SCRYPT), bcryptHash);
      this.db.prepare('DELETE FROM equipment_bindings WHERE username = ?').run(valid.username);
      if (valid.role === 'gateway') for (const equipment of valid.equipment) this.bind(equipment, valid);
    });
  }

  remove(username: string): boolean {
    return writeTransaction(this.db, () => {
      this.db.prepare('DELETE FROM equipment_bindings WHERE username = ?').run(username);
      return this.db.prepare('DELETE FROM users WHERE username = ?').run(username).changes > 0;
    });
  }

  /** The gateway account bound to this equipment id, if any. */
  ownerOf(equipment: string): EquipmentOwner | undefined {
    return this.owner.get(equipment) as EquipmentOwner | undefined;
  }

  private checkFree(account: Account): void {
    if (account.role !== 'gateway') return;
    for (const equipment of account.equipment) {
      const holder = this.ownerOf(equipment);
      if (holder && holder.username !== account.username) throw new EquipmentTakenError(equipment, holder);
    }
  }

  private bind(equipment: string, account: Extract<Account, { role: 'gateway' }>): void {
    this.db.prepare('INSERT INTO equipment_bindings (equipment, username, site, gateway) VALUES (?, ?, ?, ?)').run(equipment, account.username, account.site, account.gateway);
  }

  get(username: string): Account | undefined {
    const row = this.db.prepare('SELECT account FROM users WHERE username = ?').get(username) as Pick<Row, 'account'> | undefined;
    return row ? Account.parse(JSON.parse(row.account)) : undefined;
  }

  list(order: 'username' | 'rowid' = 'username'): Account[] {
    return (this.db.prepare(`SELECT account FROM users ORDER BY ${order}`).all() as Pick<Row, 'account'>[])
      .map((row) => Account.parse(JSON.parse(row.account)));
  }

  /** Every account with its bcrypt hash, in the order stored (which account keeps a doubly bound equipment id). */
  listWithBcrypt(): BcryptAccount[] {
    return (this.db.prepare('SELECT account, bcrypt FROM users ORDER BY rowid').all() as Pick<Row, 'account' | 'bcrypt'>[])
      .map((row) => ({ account: Account.parse(JSON.parse(row.account)), bcrypt: row.bcrypt }));
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
