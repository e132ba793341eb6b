import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { ParameterMeta } from '../../common/contracts/index.js';
import type { InfluxV1Client } from '../../common/influx/v1-client.js';
import type { Db } from '../db/index.js';
import { ApiError, notFound } from '../errors.js';
import type { EquipmentRegistry } from '../live/equipment-registry.js';
import { audit } from '../sharing/audit.js';
import { getEquipment } from '../sharing/equipment-store.js';
import { newId, OPERATOR_ORG_ID, type AuthUser } from '../sharing/people.js';
import { assembleReport, type ParameterAnalysis } from './build.js';
import { CANONICAL_FORMAT, canonicalJoin, canonicalWindow, firstDifference, gunzipHash, gzipParts, type Difference } from './canonical.js';
import { asBuffer, type ParameterPool } from './parameter-pool.js';
import type { ParameterResult, ParameterTask } from './parameter-task.js';
import { reportPhases, workerPhases, type ReportPhases } from './phases.js';
import type { PdfPrinter } from './render-pdf.js';
import { renderHtml, reportFormat } from './render-html.js';
import { assertCjkFont } from './cjk-font.js';
import { DEFAULT_LANGUAGE, type Language } from '../../common/i18n/index.js';
import { escapeXml } from './svg-chart.js';
import { amendmentOf, getReportSummary, insertReport, limitsFor, nextVersionOf, reportColumn, type ReportSummary } from './store.js';
import { runGaps } from '../sharing/run-gaps.js';
import { writeTransaction } from '../../common/runtime/sqlite.js';
import { envelopeForReport } from '../envelopes/report.js';

const gunzipAsync = promisify(gunzip);

export interface ReportsContext {
  db: Db;
  influx: InfluxV1Client;
  registry: EquipmentRegistry;
  printer: PdfPrinter;
  parameters: ParameterPool;
  log: { info(obj: object, msg: string): void };
  platform: { name: string; location: string };
  now: () => number;
  /** The laboratory's zone: report times are printed in it, its UTC offset once at the top. */
  timeZone: string;
}

export interface IssueRequest {
  runId: string;
  method: string;
  /** Selects recipe-specific limits and the envelope; undefined: the run's own recipe. */
  recipe?: string | null | undefined;
  parameters?: string[];
  amends?: { id: string; reason: string };
  /** Default: the customer organisation's report language, else en. */
  language?: Language;
}

interface RunRow { id: string; equipment_id: string; booking_id: string | null; org_id: string | null; started_at: number; ended_at: number | null; recipe: string | null }

function parametersOf(ctx: ReportsContext, equipmentId: string, wanted: string[] | undefined): { metas: ParameterMeta[]; source: { gateway: string; protocol: string; site: string } } {
  const entry = ctx.registry.get(equipmentId);
  if (!entry) throw new ApiError(409, { code: 'equipment_not_announced', vars: { id: equipmentId } });
  const all = entry.birth.parameters;
  const unknown = (wanted ?? []).filter((p) => !all.some((m) => m.id === p));
  if (unknown.length) throw new ApiError(400, { code: 'parameter_unknown', vars: { id: equipmentId, unknown: unknown.join(', '), known: all.map((m) => m.id).join(', ') } }, { field: 'body.parameters' });
  return {
    metas: wanted ? wanted.map((p) => all.find((m) => m.id === p)!) : all,
    source: { gateway: entry.birth.gateway, protocol: entry.birth.equipment.protocol, site: entry.site },
  };
}

/**
 * A report holds the run's points in memory (about 400 bytes each while it is built, measured with 1.44 M points),
 * so a run larger than this is refused with a reason instead of exhausting the API process.
 */
export const MAX_REPORT_POINTS = 4_000_000;

function pointBudget(runId: string): (n: number) => void {
  let total = 0;
  return (n) => {
    total += n;
    if (total > MAX_REPORT_POINTS) throw new ApiError(409, { code: 'report_too_large', vars: { id: runId, max: MAX_REPORT_POINTS } });
  };
}

/** Reads the run's data, computes everything, renders HTML and PDF and stores the report with its audit entry. */
export async function issueReport(ctx: ReportsContext, user: AuthUser, req: IssueRequest): Promise<ReportSummary> {
  const run = ctx.db.prepare('SELECT * FROM runs WHERE id = ?').get(req.runId) as RunRow | undefined;
  if (!run) throw notFound({ code: 'run_not_found', vars: { id: req.runId } });
  if (run.ended_at === null) throw new ApiError(409, { code: 'run_open', vars: { id: run.id } });
  const version = nextVersionOf(ctx.db, run.id);
  if (!req.amends && version > 1) throw new ApiError(409, { code: 'run_has_report', vars: { id: run.id } });
  const recipe = req.recipe === undefined ? run.recipe : req.recipe;
  const { metas, source } = parametersOf(ctx, run.equipment_id, req.parameters);
  const profile = getEquipment(ctx.db, run.equipment_id);
  const birth = ctx.registry.get(run.equipment_id)!.birth;
  const org = run.org_id && run.org_id !== OPERATOR_ORG_ID
    ? ctx.db.prepare('SELECT id, name, report_language FROM orgs WHERE id = ?').get(run.org_id) as { id: string; name: string; report_language: Language | null } | undefined : undefined;
  const format = reportFormat(req.language ?? org?.report_language ?? DEFAULT_LANGUAGE, ctx.timeZone);
  const window = { from: run.started_at, to: run.ended_at };
  const started = performance.now();
  ctx.printer.warm();
  const limits = limitsFor(ctx.db, run.equipment_id, recipe);
  const analyses = new Map<string, ParameterAnalysis>();
  const budget = pointBudget(run.id);
  const read = canonicalWindow(CANONICAL_FORMAT, window);
  const tasks = metas.map((meta) => ({ ...parameterTask(ctx, run.equipment_id, meta.id, read), analyse: { meta, limit: limits.get(meta.id), timeZone: ctx.timeZone } }));
  const results: ParameterResult[] = [];
  await ctx.parameters.runAll(tasks, (result) => {
    budget(result.count);
    results.push(result);
    analyses.set(result.parameter, { ...result.analysis!, chunk: { bytes: asBuffer(result.bytes), count: result.count } });
  });
  const readMs = performance.now() - started;
  const id = newId('rpt');
  const issuedAt = ctx.now();
  const ordered = metas.map((m) => analyses.get(m.id)!);
  const data = canonicalJoin(new Map(ordered.map((a) => [a.entry.id, a.chunk])));
  const joinedMs = performance.now() - started;
  const built = assembleReport({
    id, version, previousId: req.amends?.id ?? null, amendmentReason: req.amends?.reason ?? null, issuedAt,
    authorisedBy: { id: user.id, name: user.name, email: user.email, role: user.role },
    platform: ctx.platform,
    customer: org ? { orgId: org.id, name: org.name } : null,
    equipment: {
      id: run.equipment_id, name: profile?.name ?? birth.equipment.name, kind: profile?.kind ?? birth.equipment.kind,
      location: profile?.location ?? '', manufacturer: profile?.manufacturer ?? '', model: profile?.model ?? '',
      serialNumber: profile?.serialNumber ?? '', firmware: profile?.firmware ?? '', calibrationDate: profile?.calibrationDate ?? null,
      calibrationDue: profile?.calibrationDue ?? null, calibrationCertificate: profile?.calibrationCertificate ?? '',
    },
    run: { id: run.id, bookingId: run.booking_id, ...window },
    // The window is closed, so every gap in it has an end.
    dataGaps: runGaps(ctx.db, { id: run.id, startedAt: window.from, endedAt: window.to }).map((g) => ({ ...g, to: g.to ?? window.to })),
    method: req.method, recipe,
  }, format.t('sourceLine', source), ordered, data);
  // The words of the report in its language; the data, its CSV and hash are the same in every language.
  Object.assign(built.content, {
    title: format.t(version > 1 ? 'titleVersion' : 'title', { id, version }), statement: format.t('statement'),
    acquisition: { ...built.content.acquisition, note: format.t('acquisitionNote') }, language: format.language, timeZone: format.timeZone,
  });
  const envelope = await envelopeForReport(ctx.db, ctx.influx, ctx.registry, run, recipe, ctx.now());
  if (envelope) built.content.envelope = envelope;
  const html = renderHtml(built.content, built.charts, format);
  await assertCjkFont(html);
  const computedMs = performance.now() - started;
  let gzipMs = 0;
  const pdfMs = { load: 0, print: 0 };
  const [pdf, dataCsvGz] = await Promise.all([
    ctx.printer.print(html, format.t('footer', { title: escapeXml(`${built.content.title} — ${ctx.platform.name}`), page: '<span class="pageNumber"></span>', pages: '<span class="totalPages"></span>' }), pdfMs),
    gzipParts(built.data.parts).finally(() => { gzipMs = performance.now() - started - computedMs; }),
  ]);
  const renderedMs = performance.now() - started;
  const row = {
    id, runId: run.id, equipmentId: run.equipment_id, orgId: run.org_id, version: built.content.version, previousId: req.amends?.id ?? null,
    windowFrom: window.from, windowTo: window.to, issuedAt, issuedBy: user.id, parameters: metas.map((m) => m.id),
    content: built.content, html, pdf, dataCsvGz, dataSha256: built.data.sha256, pointCount: built.data.pointCount, dataFormat: CANONICAL_FORMAT,
  };
  writeTransaction(ctx.db, () => {
    // The run was read seconds ago: a correction meanwhile (its organisation, window or recipe) would leave an
    // immutable report saying what the run no longer is, visible to an organisation that may no longer hold it.
    const now = ctx.db.prepare('SELECT * FROM runs WHERE id = ?').get(run.id) as RunRow | undefined;
    if (!now || now.org_id !== run.org_id || now.started_at !== run.started_at || now.ended_at !== run.ended_at || (req.recipe === undefined && now.recipe !== run.recipe)) {
      throw new ApiError(409, { code: 'run_changed', vars: { id: run.id } });
    }
    if (req.amends && amendmentOf(ctx.db, req.amends.id)) throw new ApiError(409, { code: 'report_amended', vars: { id: req.amends.id, by: amendmentOf(ctx.db, req.amends.id) ?? '' } });
    insertReport(ctx.db, row);
    // The audit entry records what identifies the report, not its rendered bodies (kept immutable in `reports`).
    const after = { id, runId: row.runId, version: row.version, previousId: row.previousId, method: req.method, recipe, parameters: row.parameters, dataSha256: row.dataSha256, pointCount: row.pointCount, reason: req.amends?.reason ?? null };
    audit(ctx.db, user, issuedAt, { action: req.amends ? 'report.amend' : 'report.issue', entity: 'report', entityId: id, orgId: run.org_id, before: req.amends ? { id: req.amends.id } : undefined, after });
  });
  const totalMs = performance.now() - started;
  const phases: ReportPhases = {
    kind: 'issue', id, points: row.pointCount, parameters: metas.length,
    ms: { read: readMs, ...workerPhases(results), join: joinedMs - readMs, html: computedMs - joinedMs, pdf: renderedMs - computedMs, pdfLoad: pdfMs.load, pdfPrint: pdfMs.print, gzip: gzipMs, store: totalMs - renderedMs, total: totalMs },
  };
  if (reportPhases.hasSubscribers) reportPhases.publish(phases);
  ctx.log.info({ reportId: id, runId: run.id, equipmentId: run.equipment_id, points: row.pointCount, ms: roundAll(phases.ms) }, 'report issued');
  return getReportSummary(ctx.db, id)!;
}

export interface Verification {
  reportId: string;
  result: 'match' | 'mismatch';
  issuedSha256: string;
  currentSha256: string;
  issuedPointCount: number;
  currentPointCount: number;
  /** The stored copy of the issued data still hashes to the issued hash (the report database was not altered). */
  storedDataIntact: boolean;
  firstDifference: Difference | null;
  checkedAt: number;
}

/**
 * Re-reads the report's window from InfluxDB, serialises it canonically and compares with what was issued. The
 * points are those the report's own format holds, so reports issued before windows became half-open still match.
 */
export async function verifyReport(ctx: ReportsContext, report: ReportSummary): Promise<Verification> {
  const started = performance.now();
  const chunks = new Map<string, { bytes: Buffer; count: number }>();
  const results: ParameterResult[] = [];
  const budget = pointBudget(report.runId);
  const window = canonicalWindow(report.dataFormat, { from: report.windowFrom, to: report.windowTo });
  await ctx.parameters.runAll(report.parameters.map((p) => parameterTask(ctx, report.equipmentId, p, window)), (result) => {
    budget(result.count);
    results.push(result);
    chunks.set(result.parameter, { bytes: asBuffer(result.bytes), count: result.count });
  });
  const readMs = performance.now() - started;
  const current = canonicalJoin(chunks);
  const joinedMs = performance.now() - started;
  const match = current.sha256 === report.dataSha256;
  const issued = await gunzipHash(reportColumn(ctx.db, report.id, 'data_csv_gz') as Buffer, !match);
  const storedDataIntact = issued.sha256 === report.dataSha256;
  if (reportPhases.hasSubscribers) {
    const totalMs = performance.now() - started;
    reportPhases.publish({
      kind: 'verify', id: report.id, points: current.pointCount, parameters: report.parameters.length,
      ms: { read: readMs, ...workerPhases(results), join: joinedMs - readMs, html: 0, pdf: 0, pdfLoad: 0, pdfPrint: 0, gzip: totalMs - joinedMs, store: 0, total: totalMs },
    } satisfies ReportPhases);
  }
  return {
    reportId: report.id, result: match ? 'match' : 'mismatch', issuedSha256: report.dataSha256, currentSha256: current.sha256,
    issuedPointCount: report.pointCount, currentPointCount: current.pointCount, storedDataIntact,
    firstDifference: match ? null : firstDifference(issued.text!, current.csv.toString('utf8')), checkedAt: ctx.now(),
  };
}

function parameterTask(ctx: ReportsContext, equipment: string, parameter: string, window: { from: number; to: number }): ParameterTask {
  return { influx: { url: ctx.influx.url, database: ctx.influx.database, retentionPolicy: ctx.influx.retentionPolicy, auth: ctx.influx.auth }, equipment, parameter, window };
}

const roundAll = (ms: Record<string, number>) => Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Math.round(v)]));

export async function reportCsv(ctx: ReportsContext, id: string): Promise<string> {
  return (await gunzipAsync(reportColumn(ctx.db, id, 'data_csv_gz') as Buffer)).toString('utf8');
}
