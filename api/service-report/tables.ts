import type { EquipmentFigures, OrgFigures, ServiceReport, TotalFigures } from './model.js';

/**
 * The report's tables as the exports write them: one column list per table, shared by CSV and XLSX so both carry
 * the same columns in the same order. Headers are the JSON field names (stable for machines; the printed report
 * and the dashboard name them for people).
 */
export type Cell = string | number | boolean | null;
export interface Table { name: TableName; columns: string[]; rows: Cell[][] }
export type TableName = 'equipment' | 'totals' | 'organisations';

const EQUIPMENT: (keyof EquipmentFigures)[] = [
  'period', 'equipmentId', 'name', 'runs', 'correctedRuns', 'effectiveHours', 'internalHours', 'externalHours', 'sharingRate',
  'bookedHours', 'bookings', 'cancellations', 'noShows', 'measuredToBooked', 'incomeInternal', 'incomeExternal', 'originalValue',
  'currency', 'valueBand', 'yield', 'orgsServed', 'orgsServedList', 'reportsIssued', 'maintenanceHours', 'offlineHours',
  'availability', 'hoursNorm', 'meetsNorm',
];
const TOTALS: (keyof TotalFigures)[] = [
  'period', 'band', 'equipment', 'effectiveHours', 'internalHours', 'externalHours', 'sharingRate', 'averageEffectiveHours',
  'averageExternalHours', 'bookedHours', 'bookings', 'cancellations', 'noShows', 'incomeInternal', 'incomeExternal', 'orgsServed',
  'reportsIssued', 'meetingNorm',
];
const ORGS: (keyof OrgFigures)[] = ['period', 'orgId', 'orgName', 'equipmentId', 'equipmentUsed', 'runs', 'hours', 'bookedHours', 'bookings', 'cancellations', 'noShows', 'charges'];

// A list becomes one cell, its items separated by spaces (ids never hold one).
const cell = (v: unknown): Cell => (Array.isArray(v) ? v.join(' ') : (v as Cell));
const table = <T>(name: TableName, columns: (keyof T)[], rows: T[]): Table =>
  ({ name, columns: columns as string[], rows: rows.map((r) => columns.map((c) => cell(r[c]))) });

/** The tables a report holds: a customer's answer has only its organisation's. */
export function tablesOf(r: ServiceReport): Table[] {
  const orgs = table('organisations', ORGS, r.organisations);
  return r.scope === 'platform' ? [table('equipment', EQUIPMENT, r.equipment), table('totals', TOTALS, r.totals), orgs] : [orgs];
}
