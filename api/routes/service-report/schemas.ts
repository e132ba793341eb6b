import { z } from 'zod';
import { Identifier } from '../../../common/contracts/index.js';
import { distinctList, LIST_MAX_DAYS, LIST_MAX_LIMIT, windowWithin } from '../bounds.js';
import { IsoTime } from '../common.js';

export { ProvenanceList, ServiceReport } from '../../service-report/model.js';

/** Years an annual report may cover. */
export const ANNUAL_MIN_YEAR = 2000;
export const ANNUAL_MAX_YEAR = 2100;

/** Equipment per request: a platform's whole park (the benchmark's is 200). */
export const SERVICE_MAX_EQUIPMENT = 1000;

const Window = {
  from: IsoTime, to: IsoTime.describe('[from, to) spans at most a year and a day'),
  equipment: distinctList(Identifier, SERVICE_MAX_EQUIPMENT).optional().describe('equipment ids separated by commas; default all'),
};

export const ServiceReportQuery = z.strictObject({
  ...Window,
  groupBy: z.enum(['window', 'month', 'quarter', 'year']).default('window').describe('calendar periods in the laboratory time zone (PILOTHUB_TIME_ZONE)'),
  format: z.enum(['json', 'csv', 'xlsx']).default('json').describe('csv: one table (see table), UTF-8 with BOM; xlsx: one sheet per table'),
  table: z.enum(['equipment', 'totals', 'organisations']).optional().describe('csv only; default equipment (organisations for customers)'),
}).superRefine(windowWithin(LIST_MAX_DAYS)).superRefine((q, ctx) => {
  // JSON and XLSX hold every table: a table asked of them would be silently ignored.
  if (q.table !== undefined && q.format !== 'csv') ctx.addIssue({ code: 'custom', path: ['table'], message: 'validation.csvOnly', params: { format: q.format } });
});

export const ServiceRunsQuery = z.strictObject({
  ...Window,
  kind: z.enum(['all', 'internal', 'external']).default('all').describe('external: the runs externalHours sums; internal: internalHours'),
  org: z.string().min(1).max(100).optional().describe('staff: one organisation\'s runs'),
  limit: z.string().regex(/^\d{1,5}$/, 'validation.wholeNumber').transform(Number)
    .pipe(z.number().min(1).max(LIST_MAX_LIMIT)).default(LIST_MAX_LIMIT)
    .describe(`runs per page, by start (default and most ${LIST_MAX_LIMIT}); totalHours always sums every matching run`),
  offset: z.string().regex(/^\d{1,9}$/, 'validation.wholeNumber').transform(Number).default(0)
    .describe('runs to skip: the previous answer\'s `next`'),
}).superRefine(windowWithin(LIST_MAX_DAYS));

export const AnnualQuery = z.strictObject({
  // Date.UTC reads years 0-99 as 1900-1999: the years a platform's records can hold are bounded instead.
  year: z.string().regex(/^\d{4}$/, 'validation.year').transform(Number)
    .pipe(z.number().min(ANNUAL_MIN_YEAR).max(ANNUAL_MAX_YEAR))
    .describe(`calendar year in the laboratory time zone, ${ANNUAL_MIN_YEAR}-${ANNUAL_MAX_YEAR}`),
  format: z.enum(['html', 'pdf']).default('html'),
  lang: z.enum(['en', 'zh-CN']).default('en'),
});
