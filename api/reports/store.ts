import type { Db } from '../db/index.js';
import { CanonicalFormat } from './canonical.js';
import type { ReportContent } from './model.js';

export interface SpecLimitRow {
  id: string; equipmentId: string; parameter: string; recipe: string | null;
  low: number | null; high: number | null; target: number | null; createdAt: number; updatedAt: number;
}

const SPEC_COLUMNS = `id, equipment_id AS equipmentId, parameter, recipe, low, high, target, created_at AS createdAt, updated_at AS updatedAt`;

export function listSpecLimits(db: Db, equipmentId?: string): SpecLimitRow[] {
  return (equipmentId
    ? db.prepare(`SELECT ${SPEC_COLUMNS} FROM spec_limits WHERE equipment_id = ? ORDER BY parameter, recipe`).all(equipmentId)
    : db.prepare(`SELECT ${SPEC_COLUMNS} FROM spec_limits ORDER BY equipment_id, parameter, recipe`).all()) as SpecLimitRow[];
}

export function getSpecLimit(db: Db, id: string): SpecLimitRow | null {
  return (db.prepare(`SELECT ${SPEC_COLUMNS} FROM spec_limits WHERE id = ?`).get(id) as SpecLimitRow | undefined) ?? null;
}

export function findSpecLimit(db: Db, equipmentId: string, parameter: string, recipe: string | null): SpecLimitRow | null {
  return (db.prepare(`SELECT ${SPEC_COLUMNS} FROM spec_limits WHERE equipment_id = ? AND parameter = ? AND COALESCE(recipe, '') = ?`)
    .get(equipmentId, parameter, recipe ?? '') as SpecLimitRow | undefined) ?? null;
}

export function saveSpecLimit(db: Db, row: SpecLimitRow): void {
  db.prepare(`INSERT INTO spec_limits (id, equipment_id, parameter, recipe, low, high, target, created_at, updated_at)
    VALUES (@id, @equipmentId, @parameter, @recipe, @low, @high, @target, @createdAt, @updatedAt)
    ON CONFLICT (id) DO UPDATE SET low = excluded.low, high = excluded.high, target = excluded.target, updated_at = excluded.updated_at`).run(row);
}

export function deleteSpecLimit(db: Db, id: string): void {
  db.prepare('DELETE FROM spec_limits WHERE id = ?').run(id);
}

/** The limits that apply to a run: the recipe's own row where there is one, else the default (recipe NULL). */
export function limitsFor(db: Db, equipmentId: string, recipe: string | null): Map<string, SpecLimitRow> {
  const out = new Map<string, SpecLimitRow>();
  for (const row of listSpecLimits(db, equipmentId)) {
    if (row.recipe === null && !out.has(row.parameter)) out.set(row.parameter, row);
    if (recipe !== null && row.recipe === recipe) out.set(row.parameter, row);
  }
  return out;
}

export interface ReportRow {
  id: string; runId: string; equipmentId: string; orgId: string | null; version: number; previousId: string | null;
  windowFrom: number; windowTo: number; issuedAt: number; issuedBy: string; parameters: string[];
  content: ReportContent; html: string; pdf: Buffer; dataCsvGz: Buffer; dataSha256: string; pointCount: number;
  /** Which points of the window the data holds (canonical.ts); rows from before migration 052 read as v1. */
  dataFormat: CanonicalFormat;
}

export type ReportSummary = Omit<ReportRow, 'content' | 'html' | 'pdf' | 'dataCsvGz'>;

const SUMMARY_COLUMNS = `id, run_id AS runId, equipment_id AS equipmentId, org_id AS orgId, version, previous_id AS previousId,
  window_from AS windowFrom, window_to AS windowTo, issued_at AS issuedAt, issued_by AS issuedBy, parameters_json,
  data_sha256 AS dataSha256, point_count AS pointCount, data_format AS dataFormat`;

function summary(row: Record<string, unknown>): ReportSummary {
  const { parameters_json: json, dataFormat, ...rest } = row;
  return { ...(rest as Omit<ReportSummary, 'parameters' | 'dataFormat'>), parameters: JSON.parse(json as string) as string[], dataFormat: CanonicalFormat.parse(dataFormat) };
}

export function insertReport(db: Db, r: ReportRow): void {
  db.prepare(`INSERT INTO reports (id, run_id, equipment_id, org_id, version, previous_id, window_from, window_to, issued_at, issued_by,
    parameters_json, content_json, html, pdf, data_csv_gz, data_sha256, point_count, data_format)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    r.id, r.runId, r.equipmentId, r.orgId, r.version, r.previousId, r.windowFrom, r.windowTo, r.issuedAt, r.issuedBy,
    JSON.stringify(r.parameters), JSON.stringify(r.content), r.html, r.pdf, r.dataCsvGz, r.dataSha256, r.pointCount, r.dataFormat,
  );
}

export function getReportSummary(db: Db, id: string): ReportSummary | null {
  const row = db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM reports WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
  return row ? summary(row) : null;
}

export function listReportSummaries(db: Db, filter: { orgId?: string; runId?: string; runIds?: string[] | undefined; recipe?: string | undefined }): ReportSummary[] {
  const where: string[] = [];
  const params: string[] = [];
  if (filter.orgId !== undefined) { where.push('org_id = ?'); params.push(filter.orgId); }
  if (filter.runId !== undefined) { where.push('run_id = ?'); params.push(filter.runId); }
  if (filter.runIds !== undefined) { where.push(`run_id IN (${filter.runIds.map(() => '?').join(', ')})`); params.push(...filter.runIds); }
  // Recipe or method as issued (the compare page picks runs by it); read from the stored content, reports being few.
  if (filter.recipe !== undefined) { where.push("(json_extract(content_json, '$.recipe') = ? OR json_extract(content_json, '$.method') = ?)"); params.push(filter.recipe, filter.recipe); }
  return (db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM reports ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY issued_at, version`)
    .all(...params) as Record<string, unknown>[]).map(summary);
}

/** One stored column of a report: the issued content, HTML, PDF or compressed data. */
export function reportColumn(db: Db, id: string, column: 'content_json' | 'html' | 'pdf' | 'data_csv_gz'): string | Buffer | null {
  return (db.prepare(`SELECT ${column} FROM reports WHERE id = ?`).pluck().get(id) as string | Buffer | undefined) ?? null;
}

export function nextVersionOf(db: Db, runId: string): number {
  return ((db.prepare('SELECT MAX(version) FROM reports WHERE run_id = ?').pluck().get(runId) as number | null) ?? 0) + 1;
}

export function amendmentOf(db: Db, id: string): string | null {
  return (db.prepare('SELECT id FROM reports WHERE previous_id = ?').pluck().get(id) as string | undefined) ?? null;
}
