import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { escapeXml } from '../../reports/svg-chart.js';
import { sweepNoShows } from '../../sharing/bookings-store.js';
import { isOperatorStaff, type AuthUser } from '../../sharing/people.js';
import { reportCsv, reportXlsx } from '../../service-report/export.js';
import { serviceReport } from '../../service-report/figures.js';
import { yearWindow } from '../../service-report/periods.js';
import { provenance } from '../../service-report/provenance.js';
import { annualHtml } from '../../service-report/render-html.js';
import { errors } from '../common.js';
import { AnnualQuery, ProvenanceList, ServiceReport, ServiceReportQuery, ServiceRunsQuery } from './schemas.js';

/**
 * Platform service effectiveness (issue #16): figures per equipment and period for evaluations, their runs, the
 * exports and the printable annual report. Operator staff see the platform; a customer only its own organisation.
 */
export const serviceReportRoutes: FastifyPluginAsyncZod = async (app) => {
  const { timeZone, platform, service: settings } = app.lab;

  const known = (ids: string[] | undefined) => {
    if (!ids) return null;
    const found = new Set(app.db.prepare('SELECT id FROM equipment WHERE id IN (SELECT value FROM json_each(?))').pluck().all(JSON.stringify(ids)) as string[]);
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length) throw new ApiError(400, `equipment ${missing.map((m) => `"${m}"`).join(', ')} is not known`, { field: 'querystring.equipment' });
    return ids;
  };
  const orgOf = (user: AuthUser) => (isOperatorStaff(user) ? null : user.orgId);
  const build = (user: AuthUser, from: number, to: number, groupBy: 'window' | 'month' | 'quarter' | 'year', equipment: string[] | null) => {
    // Bookings whose grace period has passed count as no-shows now, as usage billing sees them.
    sweepNoShows(app.db, app.now());
    return serviceReport(app.db, { from, to, groupBy, equipment, org: orgOf(user), now: app.now(), timeZone, settings });
  };

  app.get('/api/v1/service-report', {
    schema: {
      tags: ['service-report'], summary: 'Service effectiveness per equipment and period (customers: their organisation\'s figures only)',
      querystring: ServiceReportQuery, produces: ['application/json', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      response: { 200: ServiceReport.or(z.string().describe('CSV or XLSX')), ...errors },
    },
  }, async (request, reply) => {
    const q = request.query;
    const user = currentUser(request);
    const report = build(user, Date.parse(q.from), Date.parse(q.to), q.groupBy, known(q.equipment));
    const stem = `service-report-${q.from.slice(0, 10)}-${q.to.slice(0, 10)}`;
    if (q.format === 'csv') {
      const table = q.table ?? (report.scope === 'platform' ? 'equipment' : 'organisations');
      if (report.scope !== 'platform' && table !== 'organisations') throw new ApiError(400, `table "${table}" holds platform figures; your organisation's are in table "organisations"`, { field: 'querystring.table' });
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${stem}-${table}.csv"`).send(reportCsv(report, table));
    }
    // A Buffer with a non-JSON content type is sent as it is, past the serializer (the schema types only strings).
    if (q.format === 'xlsx') {
      return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').header('content-disposition', `attachment; filename="${stem}.xlsx"`).send(await reportXlsx(report) as unknown as string);
    }
    return report;
  });

  app.get('/api/v1/service-report/runs', {
    schema: { tags: ['service-report'], summary: 'The runs each hours figure sums, clipped to the window, with booking, telemetry and corrections', querystring: ServiceRunsQuery, response: { 200: ProvenanceList, ...errors } },
  }, async (request) => {
    const q = request.query;
    const user = currentUser(request);
    if (q.org && !isOperatorStaff(user) && q.org !== user.orgId) throw new ApiError(404, `organisation "${q.org}" not found`);
    const from = Date.parse(q.from);
    const to = Date.parse(q.to);
    const org = orgOf(user) ?? q.org ?? null;
    return { from, to, ...provenance(app.db, { from, to, now: app.now(), equipment: known(q.equipment), org }, q.kind, { offset: q.offset, limit: q.limit }) };
  });

  app.get('/api/v1/service-report/annual', {
    preHandler: async (request) => {
      const user = currentUser(request);
      if (!isOperatorStaff(user)) throw new ApiError(403, `the annual service report covers every organisation; it is for operator staff, and ${user.email} is not (GET /api/v1/service-report shows your organisation's figures)`);
    },
    schema: { tags: ['service-report'], summary: 'The printable annual service report (operator staff), HTML or PDF', querystring: AnnualQuery, produces: ['text/html', 'application/pdf'], response: { 200: z.string(), ...errors } },
  }, async (request, reply) => {
    const q = request.query;
    const user = currentUser(request);
    const { from, to } = yearWindow(q.year, timeZone);
    const year = build(user, from, to, 'year', null);
    const months = serviceReport(app.db, { from, to, groupBy: 'month', equipment: null, org: null, now: app.now(), timeZone, settings });
    const html = annualHtml({ year: q.year, lang: q.lang, platform, report: year, months });
    const name = `service-report-${q.year}`;
    if (q.format === 'html') return reply.type('text/html; charset=utf-8').header('content-disposition', `inline; filename="${name}.html"`).send(html);
    const pdf = await app.printer.print(html, `${escapeXml(platform.name)} · ${q.year}`);
    return reply.type('application/pdf').header('content-disposition', `inline; filename="${name}.pdf"`).send(pdf as unknown as string);
  });
};
