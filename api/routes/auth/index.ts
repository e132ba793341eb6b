import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Language } from '../../../common/i18n/index.js';
import { ApiError } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { ErrorBody } from '../../plugins/errors.js';
import { audit } from '../../sharing/audit.js';
import { getUser, hashPassword, hashToken, newId, newSecret, verifyPassword } from '../../sharing/people.js';
import { LOGIN_FAILURE_WINDOW_MS, LOGIN_FAILURES_PER_ADDRESS } from '../bounds.js';
import { errors, IdParams, Ok } from '../common.js';
import { FailedLogins } from './failed-logins.js';
import { RateWindows } from '../../sharing/rate-windows.js';
import { ApiKey, ApiKeyBody, ApiKeyList, LoginBody, NewApiKey, Session, User } from './schemas.js';
import { writeTransaction } from '../../../common/runtime/sqlite.js';

const SESSION_MS = 7 * 86_400_000;
export const LOGIN_ATTEMPTS_PER_MINUTE = 10;

/** The limit is counted before validation, so the body may be anything. */
const loginEmail = (body: unknown) => (typeof (body as { email?: unknown } | null)?.email === 'string' ? (body as { email: string }).email.toLowerCase() : '');

let dummy: Promise<string> | undefined;
const dummyHash = () => (dummy ??= hashPassword(newSecret('dummy')));

interface KeyRow { id: string; user_id: string; name: string; created_at: number; revoked_at: number | null }
const toKey = (r: KeyRow) => ({ id: r.id, userId: r.user_id, name: r.name, createdAt: r.created_at, revokedAt: r.revoked_at });

export const authRoutes: FastifyPluginAsyncZod = async (app) => {
  const failedLogins = new FailedLogins(new RateWindows(app.db), LOGIN_FAILURES_PER_ADDRESS, LOGIN_FAILURE_WINDOW_MS);
  app.post('/api/v1/auth/login', {
    // Password guessing: 10 attempts a minute per client address and account, then 429 until the window passes.
    config: {
      public: true,
      rateLimit: { max: LOGIN_ATTEMPTS_PER_MINUTE, timeWindow: 60_000, keyGenerator: (request) => `${request.ip}|${loginEmail(request.body)}` },
    },
    schema: { tags: ['auth'], summary: 'Exchange email and password for a session token', security: [], body: LoginBody, response: { 200: Session, 400: errors[400], 401: errors[401], 429: ErrorBody } },
  }, async (request, reply) => {
    // Checked before the password is hashed: a blocked sprayer costs no scrypt work either.
    const wait = failedLogins.blockedFor(request.ip, app.now());
    if (wait > 0) {
      const minutes = Math.ceil(wait / 60_000);
      reply.header('retry-after', String(Math.ceil(wait / 1000)));
      throw new ApiError(429, { code: 'login_blocked', vars: { ip: request.ip, failures: LOGIN_FAILURES_PER_ADDRESS, window: LOGIN_FAILURE_WINDOW_MS / 60_000, minutes, after: new Date(app.now() + wait).toISOString() } });
    }
    const row = app.db.prepare('SELECT id, email, name, role, org_id, language, password_hash, disabled FROM users WHERE email = ?').get(request.body.email) as
      { id: string; email: string; name: string; role: 'admin'; org_id: string; language: Language | null; password_hash: string | null; disabled: number } | undefined;
    // The same answer, after the same work, for unknown email and wrong password: logins cannot probe for accounts.
    const ok = await verifyPassword(request.body.password, row?.password_hash ?? (await dummyHash()));
    if (!row || !ok || row.disabled) {
      failedLogins.recordFailure(request.ip, app.now());
      throw new ApiError(401, { code: 'login_failed' });
    }
    const token = newSecret('phs');
    const now = app.now();
    const session = { id: newId('ses'), user_id: row.id, token_hash: hashToken(token), created_at: now, expires_at: now + SESSION_MS };
    const user = { id: row.id, email: row.email, name: row.name, role: row.role, orgId: row.org_id, language: row.language };
    writeTransaction(app.db, () => {
      app.db.prepare('INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at) VALUES (@id, @user_id, @token_hash, @created_at, @expires_at)').run(session);
      audit(app.db, user, now, { action: 'session.create', entity: 'session', entityId: session.id, orgId: row.org_id, after: { userId: row.id, expiresAt: session.expires_at } });
    });
    return { token, expiresAt: session.expires_at, user };
  });

  app.post('/api/v1/auth/logout', {
    schema: { tags: ['auth'], summary: 'Revoke the session token this request carries', response: { 200: Ok, ...errors } },
  }, async (request) => {
    const user = currentUser(request);
    const token = request.headers.authorization?.replace(/^Bearer\s+/i, '') ?? '';
    const now = app.now();
    writeTransaction(app.db, () => {
      const session = app.db.prepare('SELECT id FROM sessions WHERE token_hash = ? AND revoked_at IS NULL').pluck().get(hashToken(token)) as string | undefined;
      if (!session) throw new ApiError(400, { code: 'logout_api_key' });
      app.db.prepare('UPDATE sessions SET revoked_at = ? WHERE id = ?').run(now, session);
      audit(app.db, user, now, { action: 'session.revoke', entity: 'session', entityId: session, orgId: user.orgId, after: { revokedAt: now } });
    });
    return { ok: true as const };
  });

  app.get('/api/v1/auth/me', {
    schema: { tags: ['auth'], summary: 'The signed-in user', response: { 200: User, ...errors } },
  }, async (request) => currentUser(request));

  app.get('/api/v1/api-keys', {
    schema: { tags: ['auth'], summary: 'Your API keys (admins: everyone\'s)', response: { 200: ApiKeyList, ...errors } },
  }, async (request) => {
    const user = currentUser(request);
    const rows = (user.role === 'admin'
      ? app.db.prepare('SELECT * FROM api_keys ORDER BY created_at').all()
      : app.db.prepare('SELECT * FROM api_keys WHERE user_id = ? ORDER BY created_at').all(user.id)) as KeyRow[];
    return { items: rows.map(toKey) };
  });

  app.post('/api/v1/api-keys', {
    schema: { tags: ['auth'], summary: 'Create an API key for scripts; the key is shown only in this answer', body: ApiKeyBody, response: { 201: NewApiKey, ...errors } },
  }, async (request, reply) => {
    const user = currentUser(request);
    const key = newSecret('phk');
    const now = app.now();
    const row: KeyRow = { id: newId('key'), user_id: user.id, name: request.body.name, created_at: now, revoked_at: null };
    writeTransaction(app.db, () => {
      app.db.prepare('INSERT INTO api_keys (id, user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)').run(row.id, user.id, row.name, hashToken(key), now);
      audit(app.db, user, now, { action: 'api_key.create', entity: 'api_key', entityId: row.id, orgId: user.orgId, after: toKey(row) });
    });
    return reply.status(201).send({ ...toKey(row), key });
  });

  app.delete('/api/v1/api-keys/:id', {
    schema: { tags: ['auth'], summary: 'Revoke an API key (your own; admins any)', params: IdParams, response: { 200: ApiKey, ...errors } },
  }, async (request) => {
    const user = currentUser(request);
    const now = app.now();
    return writeTransaction(app.db, () => {
      const before = app.db.prepare('SELECT id, user_id, name, created_at, revoked_at FROM api_keys WHERE id = ?').get(request.params.id) as KeyRow | undefined;
      if (!before || (before.user_id !== user.id && user.role !== 'admin')) throw new ApiError(404, { code: 'api_key_not_found', vars: { id: request.params.id } });
      const after = { ...before, revoked_at: before.revoked_at ?? now };
      app.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(after.revoked_at, before.id);
      audit(app.db, user, now, { action: 'api_key.revoke', entity: 'api_key', entityId: before.id, orgId: getUser(app.db, before.user_id)?.orgId, before: toKey(before), after: toKey(after) });
      return toKey(after);
    });
  });
};
