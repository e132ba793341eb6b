import { z } from 'zod';
import { Identifier } from '../../../common/contracts/index.js';
import { LIST_MAX_DAYS, RUNS_MAX_LIMIT, windowWithin } from '../bounds.js';
import { IsoTime, RecipeName } from '../common.js';

export const Run = z.object({
  id: z.string(), equipmentId: z.string(), bookingId: z.string().nullable(), orgId: z.string().nullable(),
  startedAt: z.number().int(), endedAt: z.number().int().nullable().describe('null while the run is open; the run\'s data window is [startedAt, endedAt), so a reading at endedAt belongs to a run starting then'),
  openedBy: z.string().describe('"auto" (run condition) or the user id'), closedBy: z.string().nullable(), note: z.string(),
  recipe: z.string().nullable().describe('the recipe or method the run follows: its specification limits and golden envelope while open, its report\'s default recipe; null: none stated'),
  minutes: z.number(),
  gaps: z.array(z.object({
    from: z.number().int(), to: z.number().int().nullable().describe('null while the outage lasts'), reason: z.string(),
  })).describe('times the device did not answer during the run (gateway offline, device unreachable, no good reading), clipped to the run'),
}).meta({ id: 'Run' });
export const RunList = z.object({
  items: z.array(Run),
  nextBefore: z.string().nullable().optional()
    .describe('only when `limit` or `before` was asked: `before` for the next (older) page, null when no older run matches'),
});

export const RunQuery = z.strictObject({
  equipment: Identifier.optional(), booking: z.string().max(100).optional(), recipe: z.string().min(1).max(200).optional(),
  from: IsoTime.optional(), to: IsoTime.optional(),
  limit: z.string().regex(/^\d{1,5}$/, 'validation.wholeNumber').transform(Number)
    .pipe(z.number().min(1).max(RUNS_MAX_LIMIT)).optional()
    .describe(`pages the list newest first, at most this many runs (1-${RUNS_MAX_LIMIT}); without it and without \`before\` every matching run, oldest first`),
  before: z.string().regex(/^\d{1,15}\.[A-Za-z0-9_-]{1,100}$/, 'validation.runCursor')
    .transform((s) => { const dot = s.indexOf('.'); return { startedAt: Number(s.slice(0, dot)), id: s.slice(dot + 1) }; }).optional()
    .describe(`the next page: the \`nextBefore\` of the previous answer (runs older than its last); newest first, \`limit\` default ${RUNS_MAX_LIMIT}`),
}).superRefine(windowWithin(LIST_MAX_DAYS));

export const OpenRunBody = z.strictObject({
  equipmentId: Identifier, bookingId: z.string().max(100).optional(),
  recipe: RecipeName.nullable().optional().describe('default: the booking\'s recipe, else none'),
  startedAt: IsoTime.optional().describe('default now'), note: z.string().max(1000).default(''),
});
export const CloseRunBody = z.strictObject({ endedAt: IsoTime.optional().describe('default now'), note: z.string().max(1000).optional() });
export const CorrectRunBody = z.strictObject({
  startedAt: IsoTime.optional(), endedAt: IsoTime.optional(), bookingId: z.string().max(100).nullable().optional(),
  recipe: RecipeName.nullable().optional().describe('null: none'),
  note: z.string().min(1, 'validation.correctionNote').max(1000),
});
