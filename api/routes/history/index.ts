import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { queryPoints } from '../../../common/influx/layout.js';
import { badRequest, notFound } from '../../errors.js';
import { ErrorBody } from '../../plugins/errors.js';
import { History, HistoryParams, HistoryQuery } from './schemas.js';

const HOUR_MS = 3_600_000;

export const historyRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/api/v1/equipment/:id/history', {
    schema: {
      tags: ['history'], summary: "One parameter's stored readings in a time range",
      params: HistoryParams, querystring: HistoryQuery,
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
