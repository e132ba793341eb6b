import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { queryPoints } from '../../../common/influx/layout.js';
import { badRequest, notFound } from '../../errors.js';
import { ErrorBody } from '../../plugins/errors.js';
import { EquipmentList, EquipmentParams, History, HistoryQuery } from './schemas.js';

const HOUR_MS = 3_600_000;

export const equipmentRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/api/v1/equipment', {
    schema: { tags: ['equipment'], summary: 'Equipment known from gateway births, with live state', response: { 200: EquipmentList } },
  }, async () => ({
    items: app.registry.list().map((e) => ({
      id: e.id, name: e.birth.equipment.name, kind: e.birth.equipment.kind, site: e.site, gateway: e.birth.gateway,
      online: app.registry.isOnline(e), lastSeen: e.lastSeen ?? null,
      parameters: e.birth.parameters.map((p) => ({ id: p.id, name: p.name, unit: p.unit, datatype: p.datatype })),
    })),
  }));

  app.get('/api/v1/equipment/:id/history', {
    schema: {
      tags: ['equipment'], summary: "One parameter's stored readings in a time range",
      params: EquipmentParams, querystring: HistoryQuery,
      response: { 200: History, 400: ErrorBody, 404: ErrorBody },
    },
  }, async (request) => {
    const { id } = request.params;
    const { parameter, limit } = request.query;
    const entry = app.registry.get(id);
    if (!entry) throw notFound(`equipment "${id}" is not known: no gateway has announced it`);
    const meta = entry.birth.parameters.find((p) => p.id === parameter);
    if (!meta) throw notFound(`equipment "${id}" has no parameter "${parameter}"; it has ${entry.birth.parameters.map((p) => p.id).join(', ')}`);
    const to = request.query.to ? Date.parse(request.query.to) : Date.now();
    const from = request.query.from ? Date.parse(request.query.from) : to - HOUR_MS;
    if (from > to) throw badRequest(`from (${new Date(from).toISOString()}) is after to (${new Date(to).toISOString()})`, 'querystring.from');
    const points = await queryPoints(app.influx, { equipment: id, parameter, from, to }, limit + 1);
    return { equipment: id, parameter, unit: meta.unit, from, to, truncated: points.length > limit, points: points.slice(0, limit) };
  });
};
