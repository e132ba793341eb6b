import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ApiError, notFound } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { deleteSpecLimit, findSpecLimit, getSpecLimit, listSpecLimits, saveSpecLimit } from '../../reports/store.js';
import { audit } from '../../sharing/audit.js';
import { newId } from '../../sharing/people.js';
import { errors, IdParams, Ok, withConflict } from '../common.js';
import { SpecLimit, SpecLimitBody, SpecLimitList, SpecLimitPatch, SpecLimitQuery } from './schemas.js';
import { writeTransaction } from '../../../common/runtime/sqlite.js';

/** Specification limits per equipment parameter, optionally per recipe (issue 7); staff write, everyone signed in reads. */
export const specLimitRoutes: FastifyPluginAsyncZod = async (app) => {
  const staff = app.requireRole('admin', 'engineer');

  app.get('/api/v1/spec-limits', {
    schema: { tags: ['reports'], summary: 'Specification limits, optionally of one piece of equipment', querystring: SpecLimitQuery, response: { 200: SpecLimitList, ...errors } },
  }, async (request) => ({ items: listSpecLimits(app.db, request.query.equipment) }));

  app.post('/api/v1/spec-limits', {
    preHandler: staff,
    schema: { tags: ['reports'], summary: 'Set limits for a parameter (staff)', body: SpecLimitBody, response: { 201: SpecLimit, ...withConflict } },
  }, async (request, reply) => {
    const user = currentUser(request);
    const b = request.body;
    const existing = findSpecLimit(app.db, b.equipmentId, b.parameter, b.recipe);
    if (existing) throw new ApiError(409, { code: 'spec_limit_exists', vars: { target: `${b.equipmentId}/${b.parameter}${b.recipe ? ` "${b.recipe}"` : ''}`, id: existing.id } });
    const now = app.now();
    const row = { id: newId('spec'), ...b, createdAt: now, updatedAt: now };
    writeTransaction(app.db, () => {
      saveSpecLimit(app.db, row);
      audit(app.db, user, now, { action: 'spec-limit.create', entity: 'spec-limit', entityId: row.id, after: row });
    });
    return reply.status(201).send(row);
  });

  app.patch('/api/v1/spec-limits/:id', {
    preHandler: staff,
    schema: { tags: ['reports'], summary: 'Change limits (staff); issued reports keep the limits they were issued with', params: IdParams, body: SpecLimitPatch, response: { 200: SpecLimit, ...errors } },
  }, async (request) => {
    const user = currentUser(request);
    const before = getSpecLimit(app.db, request.params.id);
    if (!before) throw notFound({ code: 'spec_limit_not_found', vars: { id: request.params.id } });
    const after = { ...before, ...Object.fromEntries(Object.entries(request.body).filter(([, v]) => v !== undefined)), updatedAt: app.now() };
    if (after.low === null && after.high === null) throw new ApiError(400, { code: 'spec_limit_empty' }, { field: 'body.low' });
    if (after.low !== null && after.high !== null && after.low > after.high) throw new ApiError(400, { code: 'spec_limit_inverted', vars: { low: after.low, high: after.high } }, { field: 'body.low' });
    writeTransaction(app.db, () => {
      saveSpecLimit(app.db, after);
      audit(app.db, user, after.updatedAt, { action: 'spec-limit.update', entity: 'spec-limit', entityId: after.id, before, after });
    });
    return after;
  });

  app.delete('/api/v1/spec-limits/:id', {
    preHandler: staff,
    schema: { tags: ['reports'], summary: 'Remove limits (staff)', params: IdParams, response: { 200: Ok, ...errors } },
  }, async (request) => {
    const user = currentUser(request);
    const before = getSpecLimit(app.db, request.params.id);
    if (!before) throw notFound({ code: 'spec_limit_not_found', vars: { id: request.params.id } });
    writeTransaction(app.db, () => {
      deleteSpecLimit(app.db, before.id);
      audit(app.db, user, app.now(), { action: 'spec-limit.delete', entity: 'spec-limit', entityId: before.id, before });
    });
    return { ok: true as const };
  });
};
