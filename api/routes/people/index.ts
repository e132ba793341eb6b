import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Language } from '../../../common/i18n/index.js';
import type { Db } from '../../db/index.js';
import { ApiError } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { audit } from '../../sharing/audit.js';
import { hashPassword, isOperatorStaff, newId, OPERATOR_ORG_ID, type AuthUser, type Role } from '../../sharing/people.js';
import { canSeeOrg } from '../../sharing/tenancy.js';
import { errors, IdParams, Ok, withConflict } from '../common.js';
import { Org, OrgBody, OrgList, OrgPatch, UserBody, UserDetail, UserList, UserPatch } from './schemas.js';
import { writeTransaction } from '../../../common/runtime/sqlite.js';

interface OrgRow { id: string; name: string; kind: 'operator' | 'customer'; report_language: Language | null; created_at: number }
interface UserRow { id: string; email: string; name: string; role: Role; org_id: string; disabled: number; created_at: number }
const toOrg = (r: OrgRow) => ({ id: r.id, name: r.name, kind: r.kind, reportLanguage: r.report_language, createdAt: r.created_at });
const toUser = (r: UserRow) => ({ id: r.id, email: r.email, name: r.name, role: r.role, orgId: r.org_id, disabled: r.disabled === 1, createdAt: r.created_at });

const getUserRow = (db: Db, id: string) => db.prepare('SELECT id, email, name, role, org_id, disabled, created_at FROM users WHERE id = ?').get(id) as UserRow | undefined;

/** Staff roles belong to the operator, customers to a customer organisation; viewers to either. */
function checkRoleFits(role: Role, orgId: string, field: string): void {
  const staff = role === 'admin' || role === 'engineer';
  if (staff && orgId !== OPERATOR_ORG_ID) throw new ApiError(400, { code: 'role_staff_only', vars: { role, org: orgId } }, { field });
  if (role === 'customer' && orgId === OPERATOR_ORG_ID) throw new ApiError(400, { code: 'role_customer_only' }, { field });
}

function visibleUser(db: Db, viewer: AuthUser, id: string): UserRow {
  const row = getUserRow(db, id);
  if (!row || !canSeeOrg(viewer, row.org_id)) throw new ApiError(404, { code: 'user_not_found', vars: { id } });
  return row;
}

export const peopleRoutes: FastifyPluginAsyncZod = async (app) => {
  const admin = app.requireRole('admin');

  app.get('/api/v1/orgs', { schema: { tags: ['people'], summary: 'Organisations (customers see their own)', response: { 200: OrgList, ...errors } } }, async (request) => {
    const user = currentUser(request);
    const rows = (isOperatorStaff(user) ? app.db.prepare('SELECT * FROM orgs ORDER BY id').all() : app.db.prepare('SELECT * FROM orgs WHERE id = ?').all(user.orgId)) as OrgRow[];
    return { items: rows.map(toOrg) };
  });

  app.get('/api/v1/orgs/:id', { schema: { tags: ['people'], summary: 'One organisation', params: IdParams, response: { 200: Org, ...errors } } }, async (request) => {
    const row = app.db.prepare('SELECT * FROM orgs WHERE id = ?').get(request.params.id) as OrgRow | undefined;
    if (!row || !canSeeOrg(currentUser(request), row.id)) throw new ApiError(404, { code: 'org_not_found', vars: { id: request.params.id } });
    return toOrg(row);
  });

  app.post('/api/v1/orgs', { preHandler: admin, schema: { tags: ['people'], summary: 'Create a customer organisation', body: OrgBody, response: { 201: Org, ...withConflict } } }, async (request, reply) => {
    const now = app.now();
    const row: OrgRow = { id: request.body.id, name: request.body.name, kind: 'customer', report_language: request.body.reportLanguage, created_at: now };
    writeTransaction(app.db, () => {
      if (app.db.prepare('SELECT 1 FROM orgs WHERE id = ? OR name = ?').get(row.id, row.name)) throw new ApiError(409, { code: 'org_exists', vars: { id: row.id, name: row.name } });
      app.db.prepare('INSERT INTO orgs (id, name, kind, report_language, created_at) VALUES (@id, @name, @kind, @report_language, @created_at)').run(row);
      audit(app.db, currentUser(request), now, { action: 'org.create', entity: 'org', entityId: row.id, orgId: row.id, after: row });
    });
    return reply.status(201).send(toOrg(row));
  });

  app.patch('/api/v1/orgs/:id', { preHandler: admin, schema: { tags: ['people'], summary: 'Rename an organisation or set its report language', params: IdParams, body: OrgPatch, response: { 200: Org, ...withConflict } } }, async (request) => {
    const now = app.now();
    return writeTransaction(app.db, () => {
      const before = app.db.prepare('SELECT * FROM orgs WHERE id = ?').get(request.params.id) as OrgRow | undefined;
      if (!before) throw new ApiError(404, { code: 'org_not_found', vars: { id: request.params.id } });
      const b = request.body;
      const after: OrgRow = { ...before, name: b.name ?? before.name, report_language: b.reportLanguage === undefined ? before.report_language : b.reportLanguage };
      if (after.name !== before.name && app.db.prepare('SELECT 1 FROM orgs WHERE name = ? AND id <> ?').get(after.name, after.id)) throw new ApiError(409, { code: 'org_name_exists', vars: { name: after.name } });
      app.db.prepare('UPDATE orgs SET name = @name, report_language = @report_language WHERE id = @id').run(after);
      audit(app.db, currentUser(request), now, { action: 'org.update', entity: 'org', entityId: after.id, orgId: after.id, before, after });
      return toOrg(after);
    });
  });

  app.get('/api/v1/users', { schema: { tags: ['people'], summary: 'Users (customers see their organisation\'s)', response: { 200: UserList, ...errors } } }, async (request) => {
    const user = currentUser(request);
    const sql = 'SELECT id, email, name, role, org_id, disabled, created_at FROM users';
    const rows = (isOperatorStaff(user) ? app.db.prepare(`${sql} ORDER BY email`).all() : app.db.prepare(`${sql} WHERE org_id = ? ORDER BY email`).all(user.orgId)) as UserRow[];
    return { items: rows.map(toUser) };
  });

  app.get('/api/v1/users/:id', { schema: { tags: ['people'], summary: 'One user', params: IdParams, response: { 200: UserDetail, ...errors } } }, async (request) =>
    toUser(visibleUser(app.db, currentUser(request), request.params.id)));

  app.post('/api/v1/users', { preHandler: admin, schema: { tags: ['people'], summary: 'Create a user', body: UserBody, response: { 201: UserDetail, ...withConflict } } }, async (request, reply) => {
    const body = request.body;
    if (!app.db.prepare('SELECT 1 FROM orgs WHERE id = ?').get(body.orgId)) throw new ApiError(400, { code: 'org_unknown', vars: { id: body.orgId } }, { field: 'body.orgId' });
    checkRoleFits(body.role, body.orgId, 'body.role');
    const hash = await hashPassword(body.password);
    const now = app.now();
    const row: UserRow = { id: newId('usr'), email: body.email, name: body.name, role: body.role, org_id: body.orgId, disabled: 0, created_at: now };
    writeTransaction(app.db, () => {
      if (app.db.prepare('SELECT 1 FROM users WHERE email = ?').get(body.email)) throw new ApiError(409, { code: 'user_exists', vars: { email: body.email } });
      app.db.prepare('INSERT INTO users (id, email, name, role, org_id, password_hash, disabled, created_at) VALUES (@id, @email, @name, @role, @org_id, @hash, 0, @created_at)').run({ ...row, hash });
      audit(app.db, currentUser(request), now, { action: 'user.create', entity: 'user', entityId: row.id, orgId: row.org_id, after: toUser(row) });
    });
    return reply.status(201).send(toUser(row));
  });

  app.patch('/api/v1/users/:id', { preHandler: admin, schema: { tags: ['people'], summary: 'Change a user; disabling rejects all their tokens at once, a new password ends their sessions', params: IdParams, body: UserPatch, response: { 200: UserDetail, ...errors } } }, async (request) => {
    const before = visibleUser(app.db, currentUser(request), request.params.id);
    const body = request.body;
    if (body.role) checkRoleFits(body.role, before.org_id, 'body.role');
    const hash = body.password ? await hashPassword(body.password) : null;
    const after: UserRow = { ...before, name: body.name ?? before.name, role: body.role ?? before.role, disabled: body.disabled === undefined ? before.disabled : body.disabled ? 1 : 0 };
    const now = app.now();
    writeTransaction(app.db, () => {
      app.db.prepare('UPDATE users SET name = ?, role = ?, disabled = ?, password_hash = COALESCE(?, password_hash) WHERE id = ?').run(after.name, after.role, after.disabled, hash, after.id);
      // A new password is usually set because the old one leaked: sessions signed in with it end too (API keys stay).
      const sessionsEnded = hash ? app.db.prepare('UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(now, after.id).changes : 0;
      audit(app.db, currentUser(request), now, { action: 'user.update', entity: 'user', entityId: after.id, orgId: after.org_id, before: toUser(before), after: { ...toUser(after), passwordChanged: hash !== null, sessionsEnded } });
    });
    return toUser(after);
  });

  app.post('/api/v1/users/:id/revoke-tokens', { preHandler: admin, schema: { tags: ['people'], summary: 'Revoke every session, API key and calendar feed URL of a user', params: IdParams, response: { 200: Ok, ...errors } } }, async (request) => {
    const target = visibleUser(app.db, currentUser(request), request.params.id);
    const now = app.now();
    writeTransaction(app.db, () => {
      const sessions = app.db.prepare('UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(now, target.id).changes;
      const keys = app.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(now, target.id).changes;
      // A feed URL is a credential too: it shows the user's bookings to whoever holds it.
      const feeds = app.db.prepare('UPDATE ical_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(now, target.id).changes;
      audit(app.db, currentUser(request), now, { action: 'user.revoke_tokens', entity: 'user', entityId: target.id, orgId: target.org_id, after: { sessions, keys, feeds } });
    });
    return { ok: true as const };
  });
};
