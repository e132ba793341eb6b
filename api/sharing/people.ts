import type { Language } from '../../common/i18n/index.js';
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../db/index.js';
import { writeTransaction } from '../../common/runtime/sqlite.js';

export const Role = z.enum(['admin', 'engineer', 'customer', 'viewer']);
export type Role = z.infer<typeof Role>;

/** `language`: the dashboard language the person chose (issue 14); null or absent until they choose. */
export interface AuthUser { id: string; email: string; name: string; role: Role; orgId: string; language?: Language | null }

/** The platform operator's organisation: its staff see every organisation's data. */
export const OPERATOR_ORG_ID = 'operator';

export const isOperatorStaff = (user: AuthUser) => user.orgId === OPERATOR_ORG_ID;

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}

export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export const MIN_PASSWORD = 10;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

// scrypt from node:crypto (no native add-on); N=2^15 is OWASP's minimum recommendation for scrypt.
const SCRYPT: ScryptOptions = { N: 32_768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

function scryptAsync(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, 64, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt);
  return `scrypt$${SCRYPT.N}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || Number(n) !== SCRYPT.N || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

interface UserRow { id: string; email: string; name: string; role: Role; org_id: string; language: Language | null }

const toAuthUser = (row: UserRow): AuthUser => ({ id: row.id, email: row.email, name: row.name, role: row.role, orgId: row.org_id, language: row.language });

/** The user behind a session token or API key, or null when it is unknown, revoked, expired or disabled. */
export function userForToken(db: Db, token: string, now: number): AuthUser | null {
  const hash = hashToken(token);
  const row = db.prepare(`
    SELECT u.id, u.email, u.name, u.role, u.org_id, u.language FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND u.disabled = 0
    UNION ALL
    SELECT u.id, u.email, u.name, u.role, u.org_id, u.language FROM api_keys k JOIN users u ON u.id = k.user_id
      WHERE k.token_hash = ? AND k.revoked_at IS NULL AND u.disabled = 0`).get(hash, now, hash) as UserRow | undefined;
  return row ? toAuthUser(row) : null;
}

export function getUser(db: Db, id: string): AuthUser | null {
  const row = db.prepare('SELECT id, email, name, role, org_id, language FROM users WHERE id = ?').get(id) as UserRow | undefined;
  return row ? toAuthUser(row) : null;
}

/**
 * First start: the operator organisation and, when there is no user at all, an admin from
 * PILOTHUB_ADMIN_EMAIL / PILOTHUB_ADMIN_PASSWORD or with a random password the caller prints once.
 */
export async function bootstrapPeople(db: Db, now: number, admin: { email?: string; password?: string }): Promise<{ email: string; password: string; generated: boolean } | null> {
  if ((db.prepare('SELECT COUNT(*) FROM users').pluck().get() as number) > 0) return null;
  // The same floor as POST /api/v1/users: the first admin is the most valuable account there is.
  if (admin.password !== undefined && admin.password !== '' && admin.password.length < MIN_PASSWORD) {
    throw new Error(`PILOTHUB_ADMIN_PASSWORD must be at least ${MIN_PASSWORD} characters (it has ${admin.password.length}); unset it to get a random one`);
  }
  const email = admin.email || 'admin@localhost';
  const generated = !admin.password;
  const password = admin.password || randomBytes(12).toString('base64url');
  const hash = await hashPassword(password);
  // Several hub processes may start on one database at once: check and insert under the write lock.
  const created = writeTransaction(db, () => {
    db.prepare("INSERT OR IGNORE INTO orgs (id, name, kind, created_at) VALUES (?, 'Platform operator', 'operator', ?)").run(OPERATOR_ORG_ID, now);
    if ((db.prepare('SELECT COUNT(*) FROM users').pluck().get() as number) > 0) return false;
    const id = newId('usr');
    db.prepare("INSERT INTO users (id, org_id, email, name, role, password_hash, created_at) VALUES (?, ?, ?, 'Administrator', 'admin', ?, ?)")
      .run(id, OPERATOR_ORG_ID, email, hash, now);
    db.prepare("INSERT INTO audit_log (at, actor_id, actor_email, action, entity, entity_id, org_id, after_json) VALUES (?, NULL, 'system', 'user.bootstrap_admin', 'user', ?, ?, ?)")
      .run(now, id, OPERATOR_ORG_ID, JSON.stringify({ email, role: 'admin' }));
    return true;
  });
  return created ? { email, password, generated } : null;
}
