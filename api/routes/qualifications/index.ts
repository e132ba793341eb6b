import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ApiError, notFound } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { audit } from '../../sharing/audit.js';
import { expiresAt } from '../../sharing/qualifications.js';
import { canSeeOrg } from '../../sharing/tenancy.js';
import { errors, IdParams, Ok, withConflict } from '../common.js';
import { GrantParams, HeldList, HeldQualification, Qualification, QualificationBody, QualificationList } from './schemas.js';
import { writeTransaction } from '../../../common/runtime/sqlite.js';

interface HeldRow { user_id: string; qualification_id: string; granted_at: number; granted_by: string; last_used_at: number | null; expires_after_days: number }

export const qualificationRoutes: FastifyPluginAsyncZod = async (app) => {
  const staff = app.requireRole('admin', 'engineer');
  const toHeld = (r: HeldRow) => {
    const exp = expiresAt(r, r.expires_after_days);
    return { qualificationId: r.qualification_id, userId: r.user_id, grantedAt: r.granted_at, grantedBy: r.granted_by, lastUsedAt: r.last_used_at, expiresAt: exp, state: exp >= app.now() ? 'valid' as const : 'expired' as const };
  };
  const visibleUserOrg = (viewerId: Parameters<typeof canSeeOrg>[0], id: string) => {
    const org = app.db.prepare('SELECT org_id FROM users WHERE id = ?').pluck().get(id) as string | undefined;
    if (!org || !canSeeOrg(viewerId, org)) throw notFound({ code: 'user_not_found', vars: { id } });
    return org;
  };

  app.get('/api/v1/qualifications', { schema: { tags: ['qualifications'], summary: 'Qualifications equipment may require', response: { 200: QualificationList, ...errors } } }, async () => ({
    items: app.db.prepare('SELECT id, name, expires_after_days AS expiresAfterDays FROM qualifications ORDER BY id').all() as { id: string; name: string; expiresAfterDays: number }[],
  }));

  app.post('/api/v1/qualifications', { preHandler: app.requireRole('admin'), schema: { tags: ['qualifications'], summary: 'Define a qualification (admin)', body: QualificationBody, response: { 201: Qualification, ...withConflict } } }, async (request, reply) => {
    const q = request.body;
    writeTransaction(app.db, () => {
      if (app.db.prepare('SELECT 1 FROM qualifications WHERE id = ?').get(q.id)) throw new ApiError(409, { code: 'qualification_exists', vars: { id: q.id } });
      app.db.prepare('INSERT INTO qualifications (id, name, expires_after_days) VALUES (?, ?, ?)').run(q.id, q.name, q.expiresAfterDays);
      audit(app.db, currentUser(request), app.now(), { action: 'qualification.create', entity: 'qualification', entityId: q.id, after: q });
    });
    return reply.status(201).send(q);
  });

  app.get('/api/v1/users/:id/qualifications', { schema: { tags: ['qualifications'], summary: "A user's qualifications with expiry", params: IdParams, response: { 200: HeldList, ...errors } } }, async (request) => {
    visibleUserOrg(currentUser(request), request.params.id);
    const rows = app.db.prepare(`SELECT uq.*, q.expires_after_days FROM user_qualifications uq JOIN qualifications q ON q.id = uq.qualification_id
      WHERE uq.user_id = ? ORDER BY uq.qualification_id`).all(request.params.id) as HeldRow[];
    return { items: rows.map(toHeld) };
  });

  app.put('/api/v1/users/:id/qualifications/:qualificationId', { preHandler: staff, schema: { tags: ['qualifications'], summary: 'Grant or renew a qualification (staff)', params: GrantParams, response: { 200: HeldQualification, ...errors } } }, async (request) => {
    const user = currentUser(request);
    const { id, qualificationId } = request.params;
    const org = visibleUserOrg(user, id);
    const days = app.db.prepare('SELECT expires_after_days FROM qualifications WHERE id = ?').pluck().get(qualificationId) as number | undefined;
    if (days === undefined) throw notFound({ code: 'qualification_not_found', vars: { id: qualificationId } });
    const now = app.now();
    return writeTransaction(app.db, () => {
      const before = app.db.prepare('SELECT * FROM user_qualifications WHERE user_id = ? AND qualification_id = ?').get(id, qualificationId);
      app.db.prepare(`INSERT INTO user_qualifications (user_id, qualification_id, granted_at, granted_by, last_used_at) VALUES (?, ?, ?, ?, NULL)
        ON CONFLICT (user_id, qualification_id) DO UPDATE SET granted_at = excluded.granted_at, granted_by = excluded.granted_by, last_used_at = NULL`).run(id, qualificationId, now, user.id);
      const after = { user_id: id, qualification_id: qualificationId, granted_at: now, granted_by: user.id, last_used_at: null, expires_after_days: days };
      audit(app.db, user, now, { action: 'qualification.grant', entity: 'user_qualification', entityId: `${id}/${qualificationId}`, orgId: org, before, after });
      return toHeld(after);
    });
  });

  app.delete('/api/v1/users/:id/qualifications/:qualificationId', { preHandler: staff, schema: { tags: ['qualifications'], summary: 'Withdraw a qualification (staff)', params: GrantParams, response: { 200: Ok, ...errors } } }, async (request) => {
    const user = currentUser(request);
    const { id, qualificationId } = request.params;
    const org = visibleUserOrg(user, id);
    writeTransaction(app.db, () => {
      const before = app.db.prepare('SELECT * FROM user_qualifications WHERE user_id = ? AND qualification_id = ?').get(id, qualificationId);
      if (!before) throw notFound({ code: 'qualification_not_held', vars: { user: id, id: qualificationId } });
      app.db.prepare('DELETE FROM user_qualifications WHERE user_id = ? AND qualification_id = ?').run(id, qualificationId);
      audit(app.db, user, app.now(), { action: 'qualification.withdraw', entity: 'user_qualification', entityId: `${id}/${qualificationId}`, orgId: org, before });
    });
    return { ok: true as const };
  });
};
