import { z } from 'zod';
import { Identifier } from '../../../common/contracts/index.js';
import { CanonicalFormat } from '../../reports/canonical.js';
import { distinctList, REPORT_MAX_PARAMETERS, RUNS_MAX_LIMIT } from '../bounds.js';
import { LanguageCode } from '../auth/schemas.js';
import { RecipeName } from '../common.js';

const finite = z.number().finite();

export const SpecLimitBody = z.strictObject({
  equipmentId: Identifier,
  parameter: Identifier,
  recipe: RecipeName.nullable().default(null).describe('null: applies to every recipe without its own limits'),
  low: finite.nullable().default(null),
  high: finite.nullable().default(null),
  target: finite.nullable().default(null),
}).refine((b) => b.low !== null || b.high !== null, { message: 'validation.lowOrHigh', path: ['low'] })
  .refine((b) => b.low === null || b.high === null || b.low <= b.high, { message: 'validation.lowAboveHigh', path: ['low'] });

export const SpecLimitPatch = z.strictObject({
  low: finite.nullable().optional(), high: finite.nullable().optional(), target: finite.nullable().optional(),
});

export const SpecLimit = z.object({
  id: z.string(), equipmentId: z.string(), parameter: z.string(), recipe: z.string().nullable(),
  low: z.number().nullable(), high: z.number().nullable(), target: z.number().nullable(),
  createdAt: z.number().int(), updatedAt: z.number().int(),
}).meta({ id: 'SpecLimit' });

export const SpecLimitList = z.object({ items: z.array(SpecLimit) });
export const SpecLimitQuery = z.object({ equipment: Identifier.optional() });

const parameterList = z.array(Identifier).min(1).max(200).refine((xs) => new Set(xs).size === xs.length, 'validation.noRepeats');

export const IssueReportBody = z.strictObject({
  runId: z.string().min(1).max(100),
  method: z.string().min(1).max(500).describe('method or recipe as it should appear on the report'),
  recipe: RecipeName.nullable().optional().describe("selects recipe-specific specification limits and the golden envelope; absent: the run's recipe, null: none"),
  parameters: parameterList.optional().describe('default: every parameter of the equipment'),
  language: LanguageCode.optional().describe("the report's language; default: the customer organisation's report language, else en. The data CSV and its hash do not depend on it"),
});

export const AmendReportBody = z.strictObject({
  reason: z.string().min(1).max(2000).describe('why the previous version is replaced; printed on the amendment'),
  method: z.string().min(1).max(500).optional(),
  recipe: RecipeName.nullable().optional(),
  parameters: parameterList.optional(),
  language: LanguageCode.optional().describe('default: the language of the version amended'),
});

export const ReportSummary = z.object({
  id: z.string(), runId: z.string(), equipmentId: z.string(), orgId: z.string().nullable(), version: z.number().int(),
  previousId: z.string().nullable(), windowFrom: z.number().int(), windowTo: z.number().int(), issuedAt: z.number().int(),
  issuedBy: z.string(), parameters: z.array(z.string()), dataSha256: z.string(), pointCount: z.number().int(),
  dataFormat: CanonicalFormat.describe('canonical format of the data: v1 (issued before issue #12) holds both ends of the window, v2 holds [windowFrom, windowTo)'),
  links: z.object({ self: z.string(), html: z.string(), pdf: z.string(), csv: z.string(), verify: z.string() }),
}).meta({ id: 'ReportSummary' });

export const ReportList = z.object({ items: z.array(ReportSummary) });
export const ReportQuery = z.object({
  runId: z.string().min(1).max(100).optional(),
  runs: distinctList(z.string().min(1).max(100), RUNS_MAX_LIMIT).optional()
    .describe(`comma-separated distinct run ids, at most ${RUNS_MAX_LIMIT}: the reports of these runs (a page of GET /api/v1/runs)`),
  recipe: RecipeName.optional().describe('reports issued with this recipe or method'),
});

export const Verification = z.object({
  reportId: z.string(),
  result: z.enum(['match', 'mismatch']),
  issuedSha256: z.string(), currentSha256: z.string(),
  issuedPointCount: z.number().int(), currentPointCount: z.number().int(),
  storedDataIntact: z.boolean().describe("the report's stored copy of the data still hashes to the issued hash"),
  firstDifference: z.object({
    line: z.number().int().describe('line of the canonical CSV (header is line 1)'),
    parameter: z.string().nullable(), epochMs: z.number().int().nullable(),
    issued: z.string().nullable().describe('the line as issued; null when the point is new'),
    current: z.string().nullable().describe('the line as InfluxDB holds it now; null when the point is gone'),
  }).nullable(),
  checkedAt: z.number().int(),
}).meta({ id: 'ReportVerification' });

export const RunStatsQuery = z.object({
  parameter: distinctList(Identifier, REPORT_MAX_PARAMETERS).optional().describe('comma-separated parameter ids; default all'),
  recipe: RecipeName.optional(),
});
