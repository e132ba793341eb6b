import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errors } from '../common.js';
import { AuditList, AuditQuery } from './schemas.js';

interface AuditRow { id: number; at: number; actor_id: string | null; actor_email: string | null; action: string; entity: string; entity_id: string; org_id: string | null; before_json: string | null; after_json: string | null }

export const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/api/v1/audit', {
    preHandler: app.requireRole('admin'),
    schema: { tags: ['audit'], summary: 'Every write: who, when, what, before and after (admin), newest first', querystring: AuditQuery, response: { 200: AuditList, ...errors } },
  }, async (request) => {
    const q = request.query;
    const where: string[] = ['1 = 1'];
    const params: (string | number)[] = [];
    const add = (sql: string, value: string | number | undefined) => { if (value !== undefined) { where.push(sql); params.push(value); } };
    add('entity = ?', q.entity);
    add('entity_id = ?', q.entityId);
    if (q.actor !== undefined) { where.push('(actor_id = ? OR actor_email = ?)'); params.push(q.actor, q.actor); }
    add('action = ?', q.action);
    add('org_id = ?', q.org);
    add('at >= ?', q.from ? Date.parse(q.from) : undefined);
    add('at < ?', q.to ? Date.parse(q.to) : undefined);
    const rows = app.db.prepare(`SELECT * FROM audit_log WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`).all(...params, q.limit ?? 1000) as AuditRow[];
    return {
      items: rows.map((r) => ({
        id: r.id, at: r.at, actorId: r.actor_id, actorEmail: r.actor_email, action: r.action, entity: r.entity, entityId: r.entity_id, orgId: r.org_id,
        before: r.before_json === null ? null : JSON.parse(r.before_json) as unknown, after: r.after_json === null ? null : JSON.parse(r.after_json) as unknown,
      })),
    };
  });
};
