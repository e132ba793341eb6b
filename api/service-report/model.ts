import { z } from 'zod';

/** The service report's answer (issue #16): every figure is defined in docs/service-report.md. */
const hours = (what: string) => z.number().describe(`hours: ${what}`);
const ratio = (what: string) => z.number().nullable().describe(`${what}; null when the divisor is 0 or unknown`);

export const Period = z.object({
  key: z.string().describe('2026, 2026-Q3, 2026-07, or "window" without groupBy'),
  from: z.number().int(), to: z.number().int().describe('epoch ms; [from, to) clipped to the requested window'),
}).meta({ id: 'ServicePeriod' });
export type Period = z.infer<typeof Period>;

export const ValueBand = z.enum(['>=10000000', '>=500000', '<500000', 'unknown']).describe('by originalValue in CNY; unknown when not recorded or in another currency');
export type ValueBand = z.infer<typeof ValueBand>;

export const EquipmentFigures = z.object({
  equipmentId: z.string(), name: z.string(), period: z.string(),
  runs: z.number().int(), correctedRuns: z.number().int().describe('runs among them corrected by hand (audited)'),
  effectiveHours: hours('measured run time, all runs, clipped to the period'),
  internalHours: hours('runs of the operator organisation and runs without an organisation'),
  externalHours: hours('runs of other organisations'),
  sharingRate: ratio('externalHours ÷ effectiveHours'),
  bookedHours: hours('held bookings (approved, completed, no-show) clipped to the period'),
  bookings: z.number().int(), cancellations: z.number().int(), noShows: z.number().int(),
  measuredToBooked: ratio('hours of booked runs ÷ bookedHours'),
  incomeInternal: z.number(), incomeExternal: z.number(),
  originalValue: z.number().nullable(), currency: z.string(), valueBand: ValueBand,
  yield: ratio('(incomeInternal + incomeExternal × externalWeight) ÷ originalValue; null when the value is in another currency than income (settings.currency)'),
  orgsServed: z.number().int(), orgsServedList: z.array(z.string()),
  reportsIssued: z.number().int(),
  maintenanceHours: hours('maintenance windows clipped to the period, overlapping ones counted once'),
  offlineHours: hours('device outages recorded during runs, clipped to the period, overlapping ones counted once'),
  availability: ratio('(period − the union of maintenance and outages) ÷ period'),
  hoursNorm: hours('the yearly norm pro-rated to the period'), meetsNorm: z.boolean(),
}).meta({ id: 'ServiceEquipmentFigures' });
export type EquipmentFigures = z.infer<typeof EquipmentFigures>;

export const TotalFigures = z.object({
  period: z.string(), band: z.enum(['all', '>=500000', '>=10000000']), equipment: z.number().int(),
  effectiveHours: z.number(), internalHours: z.number(), externalHours: z.number(), sharingRate: ratio('externalHours ÷ effectiveHours'),
  averageEffectiveHours: z.number().nullable(), averageExternalHours: z.number().nullable(),
  bookedHours: z.number(), bookings: z.number().int(), cancellations: z.number().int(), noShows: z.number().int(),
  incomeInternal: z.number(), incomeExternal: z.number(), orgsServed: z.number().int(), reportsIssued: z.number().int(),
  meetingNorm: z.number().int().describe('equipment meeting its hours norm'),
}).meta({ id: 'ServiceTotals' });
export type TotalFigures = z.infer<typeof TotalFigures>;

export const OrgFigures = z.object({
  orgId: z.string(), orgName: z.string(), period: z.string(),
  equipmentId: z.string().nullable().describe('null: all equipment (operator staff\'s rows); a customer gets one row per equipment'),
  equipmentUsed: z.number().int().describe('equipment with at least one of its runs'),
  runs: z.number().int(), hours: hours('this organisation\'s runs, clipped to the period'),
  bookedHours: z.number(), bookings: z.number().int(), cancellations: z.number().int(), noShows: z.number().int(),
  charges: z.number().describe('billed amount of its bookings that started in the period (usage billing)'),
}).meta({ id: 'ServiceOrgFigures' });
export type OrgFigures = z.infer<typeof OrgFigures>;

export const ServiceSettings = z.object({
  externalWeight: z.number().describe('weight of external income in yield (PILOTHUB_SERVICE_EXTERNAL_WEIGHT)'),
  hoursNorm: z.number().describe('platform-wide yearly hours norm (PILOTHUB_SERVICE_HOURS_NORM); equipment may set its own'),
  currency: z.string().describe('the currency rates and income are in (PILOTHUB_BILLING_CURRENCY, default CNY)'),
});
export type ServiceSettings = z.infer<typeof ServiceSettings>;

export const ServiceReport = z.object({
  scope: z.enum(['platform', 'organisation']).describe('platform for operator staff; organisation: only the caller\'s own organisation'),
  org: z.string().nullable(), from: z.number().int(), to: z.number().int(), timeZone: z.string(),
  groupBy: z.enum(['window', 'month', 'quarter', 'year']), generatedAt: z.number().int(), settings: ServiceSettings,
  periods: z.array(Period),
  equipment: z.array(EquipmentFigures).describe('per equipment and period (platform scope only)'),
  totals: z.array(TotalFigures).describe('per period and value band (platform scope only)'),
  organisations: z.array(OrgFigures).describe('operator staff: per customer organisation and period; a customer: its own, per equipment and period'),
  heatmap: z.array(z.array(z.number())).describe('run hours by weekday (0 = Sunday) and hour of day in timeZone'),
  links: z.object({ runs: z.string().describe('the runs every hours figure sums') }),
}).meta({ id: 'ServiceReport' });
export type ServiceReport = z.infer<typeof ServiceReport>;

export const ProvenanceRun = z.object({
  runId: z.string(), equipmentId: z.string(), orgId: z.string().nullable(), bookingId: z.string().nullable(),
  external: z.boolean(), startedAt: z.number().int(), endedAt: z.number().int().nullable().describe('null while open (counted to now)'),
  from: z.number().int(), to: z.number().int().describe('the part inside the window, [from, to)'), hours: z.number(),
  corrected: z.boolean().describe('its times or booking were corrected by hand: counted with the corrected times'),
  links: z.object({
    run: z.string(), booking: z.string().nullable(),
    telemetry: z.string().describe('the equipment\'s history over the run\'s window; add &parameter=<id>'), audit: z.string().describe('the run\'s audit trail, corrections included'),
  }),
}).meta({ id: 'ServiceRun' });
export type ProvenanceRun = z.infer<typeof ProvenanceRun>;
export const ProvenanceList = z.object({
  from: z.number().int(), to: z.number().int(),
  totalHours: z.number().describe('hours of every matching run, on every page: the figure the pages reproduce'),
  total: z.number().int().describe('matching runs, on every page'),
  offset: z.number().int(), limit: z.number().int(),
  next: z.number().int().nullable().describe('offset of the next page; null on the last'),
  items: z.array(ProvenanceRun).describe('this page of the runs, by start then id'),
});
