import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError, notFound } from '../../errors.js';
import { ConditionError } from '../../sharing/condition.js';
import { previewCondition } from '../../sharing/condition-preview.js';
import { getEquipment } from '../../sharing/equipment-store.js';
import { errors } from '../common.js';
import { EquipmentParams } from './schemas.js';

const PreviewBody = z.strictObject({ condition: z.string().min(1).max(500).describe('a run or alarm condition, e.g. `running == true && feed_rate > 0.1`') });
export const ConditionPreview = z.object({
  value: z.boolean().nullable().describe('what the condition evaluates to now over the latest values; null when unknown'),
  unknownBecause: z.enum(['not_announced', 'offline']).nullable().describe('why value is null: no gateway announced the equipment, or it is offline or its data stale'),
  parameters: z.array(z.object({
    id: z.string(), known: z.boolean().describe('the equipment announces this parameter (a typo reads as missing, so as false)'),
    value: z.union([z.number(), z.boolean(), z.string()]).nullable(), at: z.number().int().nullable().describe('time of the value, epoch ms'),
  })).describe('each parameter the condition reads, with its latest value'),
}).meta({ id: 'ConditionPreview' });

/** The profile editor's live preview of a run or alarm condition (issue 15); staff only, nothing is stored. */
export const conditionPreviewRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/api/v1/equipment/:id/condition-preview', {
    preHandler: app.requireRole('admin', 'engineer'),
    schema: { tags: ['equipment'], summary: 'Evaluate a condition against the current values without saving it (staff)', params: EquipmentParams, body: PreviewBody, response: { 200: ConditionPreview, ...errors } },
  }, async (request) => {
    if (!getEquipment(app.db, request.params.id)) throw notFound({ code: 'equipment_not_announced_any', vars: { id: request.params.id } });
    try {
      return previewCondition(app.registry, request.params.id, request.body.condition);
    } catch (err) {
      if (!(err instanceof ConditionError)) throw err;
      throw new ApiError(400, { code: 'condition_syntax', vars: { position: err.position + 1, detail: err.reason } }, { field: 'body.condition' });
    }
  });
};
