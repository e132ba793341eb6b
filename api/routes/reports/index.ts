import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Identifier } from '../../../common/contracts/index.js';
import { queryAllPoints } from '../../../common/influx/history-queries.js';
import type { StoredPoint } from '../../../common/influx/layout.js';
import { ApiError, badRequest, notFound } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { detectExcursions } from '../../reports/excursions.js';
import { ExcursionBody, ReportContent, SpecBody, Stats } from '../../reports/model.js';
import { ParameterPool } from '../../reports/parameter-pool.js';
import { issueReport, reportCsv, verifyReport, type ReportsContext } from '../../reports/service.js';
import { computeStats } from '../../reports/statistics.js';
import { getReportSummary, limitsFor, listReportSummaries, reportColumn, type ReportSummary as Summary } from '../../reports/store.js';
import type { AuthUser } from '../../sharing/people.js';
import { canSeeOrg, orgScope, runWindow } from '../../sharing/tenancy.js';
import { errors, IdParams, withConflict } from '../common.js';
import { AmendReportBody, IssueReportBody, ReportList, ReportQuery, ReportSummary, RunStatsQuery, Verification } from './schemas.js';
import { specLimitRoutes } from './spec-limits.js';

const RunStats = z.object({
  runId: z.string(), equipmentId: z.string(), from: z.number().int(), to: z.number().int(),
  parameters: z.array(z.object({ id: z.string(), unit: z.string(), stats: Stats, spec: SpecBody.nullable(), excursions: z.array(ExcursionBody) })),
}).meta({ id: 'RunStatistics' });

const withLinks = (s: Summary) => {
  const self = `/api/v1/reports/${encodeURIComponent(s.id)}`;
  return { ...s, links: { self, html: `${self}/html`, pdf: `${self}/pdf`, csv: `${self}/data.csv`, verify: `${self}/verify` } };
};

/** Verification reports (issue 7): issue, amend, read as JSON/HTML/PDF/CSV, verify against InfluxDB; run statistics. */
export const reportRoutes: FastifyPluginAsyncZod = async (app) => {
  const staff = app.requireRole('admin', 'engineer');
  const ctx: ReportsContext = {
    db: app.db, influx: app.influx, registry: app.registry, printer: app.printer, parameters: new ParameterPool(), now: app.now, log: app.log, timeZone: app.timeZone,
    platform: app.lab.platform,
  };
  app.addHook('onClose', () => ctx.parameters.close());
  await app.register(specLimitRoutes);

  /** Another organisation's report answers 404, as if it did not exist (issue 6 tenancy). */
  const visible = (user: AuthUser, id: string) => {
    const s = getReportSummary(app.db, id);
    if (!s || !canSeeOrg(user, s.orgId)) throw notFound({ code: 'report_not_found', vars: { id } });
    return s;
  };

  app.post('/api/v1/reports', {
    preHandler: staff,
    schema: { tags: ['reports'], summary: 'Issue the verification report of a closed run (staff)', body: IssueReportBody, response: { 201: ReportSummary, ...withConflict } },
  }, async (request, reply) => {
    const b = request.body;
    const summary = await issueReport(ctx, currentUser(request), { runId: b.runId, method: b.method, recipe: b.recipe, parameters: b.parameters, language: b.language });
    return reply.status(201).send(withLinks(summary));
  });

  app.post('/api/v1/reports/:id/amendments', {
    preHandler: staff,
    schema: { tags: ['reports'], summary: 'Issue a new version that amends this report; the original stays as issued (staff)', params: IdParams, body: AmendReportBody, response: { 201: ReportSummary, ...withConflict } },
  }, async (request, reply) => {
    const user = currentUser(request);
    const previous = visible(user, request.params.id);
    const content = ReportContent.parse(JSON.parse(reportColumn(app.db, previous.id, 'content_json') as string));
    const b = request.body;
    const summary = await issueReport(ctx, user, {
      runId: previous.runId, method: b.method ?? content.method, recipe: b.recipe === undefined ? content.recipe : b.recipe,
      parameters: b.parameters ?? previous.parameters, amends: { id: previous.id, reason: b.reason }, language: b.language ?? content.language,
    });
    return reply.status(201).send(withLinks(summary));
  });

  app.get('/api/v1/reports', {
    schema: { tags: ['reports'], summary: "Issued reports (customers: their organisation's)", querystring: ReportQuery, response: { 200: ReportList, ...errors } },
  }, async (request) => {
    const user = currentUser(request);
    const scope = orgScope(user);
    const items = listReportSummaries(app.db, { runId: request.query.runId, runIds: request.query.runs, recipe: request.query.recipe, ...(scope.params.length ? { orgId: scope.params[0] } : {}) });
    return { items: items.map(withLinks) };
  });

  app.get('/api/v1/reports/:id', {
    schema: { tags: ['reports'], summary: 'The report as issued', params: IdParams, response: { 200: ReportContent, ...errors } },
  }, async (request) => {
    const s = visible(currentUser(request), request.params.id);
    return ReportContent.parse(JSON.parse(reportColumn(app.db, s.id, 'content_json') as string));
  });

  const file = (suffix: string, summary: string, type: string, body: (s: Summary) => Promise<string | Buffer> | string | Buffer, name: (s: Summary) => string) =>
    app.get(`/api/v1/reports/:id/${suffix}`, {
      schema: { tags: ['reports'], summary, params: IdParams, response: { 200: z.string().describe(type), ...errors } },
    }, async (request, reply) => {
      const s = visible(currentUser(request), request.params.id);
      const content = await body(s);
      // A string or Buffer with a non-JSON content type is sent as it is, past the JSON serializer.
      return reply.type(type).header('content-disposition', `inline; filename="${name(s)}"`).send(content as string);
    });
  file('html', 'The report as HTML', 'text/html; charset=utf-8', (s) => reportColumn(app.db, s.id, 'html') as string, (s) => `${s.id}.html`);
  file('pdf', 'The report as PDF, printed from the HTML', 'application/pdf', (s) => reportColumn(app.db, s.id, 'pdf') as Buffer, (s) => `${s.id}.pdf`);
  file('data.csv', "The run's data in the canonical serialisation; its sha256 is the report's dataSha256", 'text/csv; charset=utf-8', (s) => reportCsv(ctx, s.id), (s) => `${s.id}-data.csv`);

  app.get('/api/v1/reports/:id/verify', {
    schema: { tags: ['reports'], summary: 'Re-read the run from InfluxDB and compare with the issued data', params: IdParams, response: { 200: Verification, ...errors } },
  }, async (request) => verifyReport(ctx, visible(currentUser(request), request.params.id)));

  app.get('/api/v1/runs/:id/statistics', {
    schema: { tags: ['reports'], summary: 'Statistics and excursions of a run per parameter', params: IdParams, querystring: RunStatsQuery, response: { 200: RunStats, ...errors } },
  }, async (request) => {
    const user = currentUser(request);
    const run = app.db.prepare('SELECT * FROM runs WHERE id = ?').get(request.params.id) as { id: string; equipment_id: string; org_id: string | null; started_at: number; ended_at: number | null } | undefined;
    if (!run || !canSeeOrg(user, run.org_id)) throw notFound({ code: 'run_not_found', vars: { id: request.params.id } });
    const entry = app.registry.get(run.equipment_id);
    if (!entry) throw new ApiError(409, { code: 'equipment_not_announced', vars: { id: run.equipment_id } });
    const wanted = request.query.parameter;
    const bad = wanted?.filter((p) => !Identifier.safeParse(p).success || !entry.birth.parameters.some((m) => m.id === p));
    if (bad?.length) throw badRequest({ code: 'parameter_unknown_short', vars: { id: run.equipment_id, unknown: bad.join(', ') } }, 'querystring.parameter');
    const metas = entry.birth.parameters.filter((m) => !wanted || wanted.includes(m.id));
    const now = app.now();
    const to = run.ended_at ?? now;
    const points = new Map<string, StoredPoint[]>();
    // The run's half-open window: a reading at the instant it ends belongs to the run that begins then (issue #12).
    await queryAllPoints(app.influx, { equipment: run.equipment_id, parameters: metas.map((m) => m.id), ...runWindow(run, now) }, (p, series) => points.set(p, series));
    const limits = limitsFor(app.db, run.equipment_id, request.query.recipe ?? null);
    return {
      runId: run.id, equipmentId: run.equipment_id, from: run.started_at, to,
      parameters: metas.map((m) => {
        const series = points.get(m.id) ?? [];
        const l = limits.get(m.id);
        const spec = l ? { id: l.id, recipe: l.recipe, low: l.low, high: l.high, target: l.target } : null;
        return { id: m.id, unit: m.unit, stats: computeStats(series, to), spec, excursions: spec && m.datatype === 'number' ? detectExcursions(series, spec, to) : [] };
      }),
    };
  });
};
