import { spreadsheetCsv } from '../../../common/runtime/spreadsheet-csv.js';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { sweepNoShows } from '../../sharing/bookings-store.js';
import { canSeeOrg } from '../../sharing/tenancy.js';
import { GAP_POLICY, usageCsv, usageSummary } from '../../sharing/usage.js';
import { errors } from '../common.js';
import { Usage, UsageQuery } from './schemas.js';

export const usageRoutes: FastifyPluginAsyncZod = async (app) => {
  const summarise = (request: FastifyRequest, query: z.infer<typeof UsageQuery>) => {
    const user = currentUser(request);
    const org = query.org ?? user.orgId;
    if (!canSeeOrg(user, org) || !app.db.prepare('SELECT 1 FROM orgs WHERE id = ?').get(org)) throw notFound({ code: 'org_not_found', vars: { id: org } });
    sweepNoShows(app.db, app.now());
    return { org, month: query.month, ...usageSummary(app.db, org, query.month, app.now(), app.lab.timeZone), gapPolicy: GAP_POLICY };
  };

  app.get('/api/v1/usage', {
    schema: { tags: ['usage'], summary: 'Booked, used, overage and no-shows of one organisation in one month, with amounts', querystring: UsageQuery, response: { 200: Usage, ...errors } },
  }, async (request) => summarise(request, request.query));

  app.get('/api/v1/usage.csv', {
    schema: { tags: ['usage'], summary: 'The usage summary as CSV', querystring: UsageQuery, produces: ['text/csv'], response: { 200: z.string(), ...errors } },
  }, async (request, reply) => {
    const u = summarise(request, request.query);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="usage-${u.org}-${u.month}.csv"`).send(spreadsheetCsv(usageCsv(u.org, u.month, u.lines)));
  });
};
