import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { compareRuns } from '../../compare/compare.js';
import { loadRuns, parameterMap } from '../../compare/runs.js';
import { runsWithExactSums } from '../../seal/exact-sums.js';
import type { Alignment } from '../../compare/align.js';
import { ErrorBody } from '../../plugins/errors.js';
import { currentUser } from '../../plugins/auth.js';
import { errors } from '../common.js';
import { CompareQuery, Comparison } from './schemas.js';

/** The alignment as asked, without the fields that do not belong to its kind. */
export function alignmentOf(q: { align: 'start' | 'phase' | 'condition'; phase?: string | undefined; phaseParameter: string; condition?: string | undefined }): Alignment {
  if (q.align === 'phase') return { align: 'phase', phase: q.phase!, phaseParameter: q.phaseParameter };
  if (q.align === 'condition') return { align: 'condition', condition: q.condition! };
  return { align: 'start' };
}

export const compareRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/api/v1/runs/compare', {
    schema: {
      tags: ['runs'],
      summary: 'Several runs on one time axis: each run\'s min/max per bucket, statistics side by side and differences to the first run',
      description: 'Runs may come from different equipment; parameters are matched by id or by `map`. Customers may compare their own organisation\'s runs only; another organisation\'s run answers 404.',
      querystring: CompareQuery,
      response: { 200: Comparison, ...errors, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request) => {
    const q = request.query;
    const runs = loadRuns(app.db, app.registry, currentUser(request), q.runs, app.now());
    return compareRuns(app.influx, {
      runs, exactSums: await runsWithExactSums(app.influx, app.sealer, runs), parameters: q.parameters, map: parameterMap(q.map ?? []), alignment: alignmentOf(q), normalise: q.normalise === 'duration', maxPoints: q.maxPoints,
    });
  });
};
