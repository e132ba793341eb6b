import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { loadRuns, parameterMap } from '../../compare/runs.js';
import { computeEnvelope } from '../../envelopes/compute.js';
import { runsWithExactSums } from '../../seal/exact-sums.js';
import type { Envelope as EnvelopeT } from '../../envelopes/model.js';
import { getEnvelope, insertEnvelope, listEnvelopes } from '../../envelopes/store.js';
import { ApiError, notFound } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { ErrorBody } from '../../plugins/errors.js';
import { audit } from '../../sharing/audit.js';
import { getEquipment } from '../../sharing/equipment-store.js';
import { newId } from '../../sharing/people.js';
import { errors, IdParams } from '../common.js';
import { alignmentOf } from '../compare/index.js';
import { CreateEnvelopeBody, Envelope, EnvelopeList, EnvelopeQuery } from './schemas.js';
import { writeTransaction } from '../../../common/runtime/sqlite.js';

const summary = (e: EnvelopeT) => ({ ...e, parameters: e.parameters.map((p) => ({ id: p.id, unit: p.unit, buckets: p.buckets.length })) });

/** Golden envelopes (issue #17): staff compute them from reference runs; each computation is a new, audited version. */
export const envelopeRoutes: FastifyPluginAsyncZod = async (app) => {
  const staff = app.requireRole('admin', 'engineer');

  app.post('/api/v1/envelopes', {
    preHandler: staff,
    schema: { tags: ['envelopes'], summary: 'Compute a new version of a recipe\'s envelope over reference runs (staff; audited)', body: CreateEnvelopeBody, response: { 201: Envelope, ...errors, 409: ErrorBody, 422: ErrorBody } },
  }, async (request, reply) => {
    const user = currentUser(request);
    const b = request.body;
    const twice = b.referenceRuns.find((id, i) => b.referenceRuns.indexOf(id) !== i);
    if (twice) throw new ApiError(400, { code: 'envelope_run_duplicate', vars: { id: twice } }, { field: 'body.referenceRuns' });
    if (b.equipmentId && !getEquipment(app.db, b.equipmentId)) throw new ApiError(404, { code: 'equipment_unknown', vars: { id: b.equipmentId } });
    const runs = loadRuns(app.db, app.registry, user, b.referenceRuns, app.now());
    const alignment = alignmentOf(b);
    const computed = await computeEnvelope(app.influx, { runs, parameters: b.parameters, map: parameterMap(b.map ?? []), alignment, method: b.method, k: b.k, bucketMs: b.bucket,
      exactSums: await runsWithExactSums(app.influx, app.sealer, runs) });
    const envelope = writeTransaction(app.db, () => {
      const stored = insertEnvelope(app.db, {
        id: newId('env'), recipe: b.recipe, equipmentId: b.equipmentId ?? null, method: b.method, k: b.method === 'sigma' ? b.k : null, bucketMs: b.bucket,
        alignment, referenceRuns: runs.map((r, i) => ({ id: r.id, equipmentId: r.equipmentId, alignedAt: computed.alignedAt[i]! })),
        parameters: computed.parameters, note: b.note, createdAt: app.now(), createdBy: user.id,
      });
      // The audit entry names what identifies the version; its bands stay in the immutable envelopes table.
      const { parameters, ...head } = summary(stored);
      audit(app.db, user, stored.createdAt, { action: 'envelope.create', entity: 'envelope', entityId: stored.id, after: { ...head, parameters: parameters.map((p) => p.id) } });
      return stored;
    });
    request.log.info({ envelopeId: envelope.id, recipe: envelope.recipe, version: envelope.version, runs: runs.length }, 'envelope computed');
    return reply.status(201).send(envelope);
  });

  app.get('/api/v1/envelopes', {
    preHandler: staff,
    schema: { tags: ['envelopes'], summary: 'Every envelope version, newest first, without its bands (staff)', querystring: EnvelopeQuery, response: { 200: EnvelopeList, ...errors } },
  }, async (request) => ({ items: listEnvelopes(app.db, { recipe: request.query.recipe, equipmentId: request.query.equipment }).map(summary) }));

  app.get('/api/v1/envelopes/:id', {
    preHandler: staff,
    schema: { tags: ['envelopes'], summary: 'One envelope version with its bands per parameter (staff)', params: IdParams, response: { 200: Envelope, ...errors } },
  }, async (request) => {
    const e = getEnvelope(app.db, request.params.id);
    if (!e) throw notFound({ code: 'envelope_not_found', vars: { id: request.params.id } });
    return e;
  });
};
