import { z } from 'zod';
import { Identifier } from '../../common/contracts/index.js';
import type { Db } from '../db/index.js';
import { ConditionError, parseCondition } from './condition.js';
import { isTimeZone } from './local-time.js';

const condition = () => z.string().max(500).superRefine((source, ctx) => {
  try { parseCondition(source); } catch (err) {
    if (!(err instanceof ConditionError)) throw err;
    const { code, ...vars } = err.problem;
    ctx.addIssue({ code: 'custom', message: `validation.condition_${code}`, params: { position: err.position + 1, ...vars } });
  }
});
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'validation.hhmm');

export const WorkingHours = z.strictObject({
  days: z.array(z.number().int().min(0).max(6)).min(1).describe('0 = Sunday … 6 = Saturday, in timeZone'),
  from: hhmm,
  to: hhmm,
  timeZone: z.string().default('UTC').refine(isTimeZone, 'validation.timeZone')
    .describe("the lab's time zone: working hours and the multi-day rule follow its local days, daylight saving included"),
}).refine((w) => w.from < w.to, { message: 'validation.fromBeforeTo', path: ['from'] });

/** What an admin records about a piece of equipment beyond its birth; also its booking and run rules. */
export const EquipmentProfile = z.object({
  id: z.string(),
  name: z.string().min(1).max(200),
  kind: z.string().max(64),
  location: z.string().max(200),
  description: z.string().max(2000),
  manufacturer: z.string().max(200),
  model: z.string().max(200),
  serialNumber: z.string().max(200),
  firmware: z.string().max(200),
  calibrationDate: z.number().int().nullable().describe('epoch ms'),
  calibrationDue: z.number().int().nullable().describe('epoch ms'),
  calibrationCertificate: z.string().max(200),
  rateInternal: z.number().nonnegative().describe('per hour, for the operator organisation'),
  rateExternal: z.number().nonnegative().describe('per hour, for customer organisations'),
  billingPolicy: z.enum(['booked', 'used', 'max']).describe('bill booked time, measured time, or the larger'),
  bookable: z.boolean(),
  requiredQualification: z.string().nullable(),
  runCondition: condition().nullable().describe('e.g. `running == true` or `feed_rate > 0.1 && !alarm`'),
  alarmCondition: condition().nullable().describe('default: `alarm == true` when the equipment has an "alarm" parameter'),
  runCloseAfterS: z.number().int().min(0).max(86_400).describe('a run closes after its condition has been false this long'),
  minBookingMin: z.number().int().min(1),
  maxBookingMin: z.number().int().min(1),
  leadTimeMin: z.number().int().min(0).describe('a booking must be requested at least this long before it starts'),
  bookingHorizonDays: z.number().int().min(1).max(3650).describe('a booking may start at most this many days ahead (default 365)'),
  cleaningBufferMin: z.number().int().min(0).describe('free time required between two bookings'),
  multiDay: z.boolean().describe('bookings may span several (UTC) days'),
  workingHours: WorkingHours.nullable(),
  noShowGraceMin: z.number().int().min(0).describe('a booking with no run this long after its start is a no-show'),
  noShowRelease: z.boolean().describe('a no-show frees the rest of its slot'),
  autoApproveAll: z.boolean(),
  originalValue: z.number().nonnegative().nullable().describe('设备原值: the purchase value, for the service report\'s value band and yield (docs/service-report.md); null when not recorded'),
  originalValueCurrency: z.string().regex(/^[A-Z]{3}$/, 'validation.currency').describe('currency of originalValue (value bands are in CNY)'),
  yearlyHoursNorm: z.number().nonnegative().nullable().describe('effective hours a year this equipment should reach; null: the platform-wide norm (PILOTHUB_SERVICE_HOURS_NORM)'),
  autoApproveOrgs: z.array(z.string()),
  keyParameters: z.array(Identifier).min(1).max(12).refine((ids) => new Set(ids).size === ids.length, 'validation.noRepeats').nullable()
    .describe('parameter ids the board shows, in this order; null: the first five numeric parameters of the birth'),
}).meta({ id: 'EquipmentProfile' });
export type EquipmentProfile = z.infer<typeof EquipmentProfile>;

export const EquipmentPatch = EquipmentProfile.omit({ id: true }).partial().strict()
  .refine((p) => p.minBookingMin === undefined || p.maxBookingMin === undefined || p.minBookingMin <= p.maxBookingMin, { message: 'validation.minAboveMax', path: ['minBookingMin'] });
export type EquipmentPatch = z.infer<typeof EquipmentPatch>;

type Column = { col: string; type: 'text' | 'num' | 'bool' | 'json' };
const COLUMNS: Record<Exclude<keyof EquipmentProfile, 'id' | 'autoApproveOrgs'>, Column> = {
  name: { col: 'name', type: 'text' }, kind: { col: 'kind', type: 'text' }, location: { col: 'location', type: 'text' },
  description: { col: 'description', type: 'text' }, manufacturer: { col: 'manufacturer', type: 'text' }, model: { col: 'model', type: 'text' },
  serialNumber: { col: 'serial_number', type: 'text' }, firmware: { col: 'firmware', type: 'text' },
  calibrationDate: { col: 'calibration_date', type: 'num' }, calibrationDue: { col: 'calibration_due', type: 'num' },
  calibrationCertificate: { col: 'calibration_certificate', type: 'text' },
  rateInternal: { col: 'rate_internal', type: 'num' }, rateExternal: { col: 'rate_external', type: 'num' },
  billingPolicy: { col: 'billing_policy', type: 'text' }, bookable: { col: 'bookable', type: 'bool' },
  requiredQualification: { col: 'required_qualification', type: 'text' }, runCondition: { col: 'run_condition', type: 'text' },
  alarmCondition: { col: 'alarm_condition', type: 'text' }, runCloseAfterS: { col: 'run_close_after_s', type: 'num' },
  minBookingMin: { col: 'min_booking_min', type: 'num' }, maxBookingMin: { col: 'max_booking_min', type: 'num' },
  leadTimeMin: { col: 'lead_time_min', type: 'num' }, cleaningBufferMin: { col: 'cleaning_buffer_min', type: 'num' },
  bookingHorizonDays: { col: 'booking_horizon_days', type: 'num' },
  multiDay: { col: 'multi_day', type: 'bool' }, workingHours: { col: 'working_hours', type: 'json' },
  noShowGraceMin: { col: 'no_show_grace_min', type: 'num' }, noShowRelease: { col: 'no_show_release', type: 'bool' },
  autoApproveAll: { col: 'auto_approve_all', type: 'bool' },
  originalValue: { col: 'original_value', type: 'num' }, originalValueCurrency: { col: 'original_value_currency', type: 'text' },
  yearlyHoursNorm: { col: 'yearly_hours_norm', type: 'num' },
  keyParameters: { col: 'key_parameters', type: 'json' },
};

function fromRow(db: Db, row: Record<string, unknown>): EquipmentProfile {
  const out: Record<string, unknown> = { id: row.id };
  for (const [key, { col, type }] of Object.entries(COLUMNS)) {
    const v = row[col];
    out[key] = v === null ? null : type === 'bool' ? v === 1 : type === 'json' ? JSON.parse(v as string) : v;
  }
  out.autoApproveOrgs = db.prepare('SELECT org_id FROM auto_approvals WHERE equipment_id = ? ORDER BY org_id').pluck().all(row.id);
  return out as EquipmentProfile;
}

export function getEquipment(db: Db, id: string): EquipmentProfile | null {
  const row = db.prepare('SELECT * FROM equipment WHERE id = ?').get(id) as Record<string, unknown> | undefined;
  return row ? fromRow(db, row) : null;
}

export function listEquipment(db: Db): EquipmentProfile[] {
  return (db.prepare('SELECT * FROM equipment ORDER BY id').all() as Record<string, unknown>[]).map((r) => fromRow(db, r));
}

/** A birth registers the equipment once; admins' edits are never overwritten by later births. */
export function ensureEquipment(db: Db, id: string, name: string, kind: string, now: number): boolean {
  return db.prepare('INSERT OR IGNORE INTO equipment (id, name, kind, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(id, name, kind, now, now).changes > 0;
}

export function updateEquipment(db: Db, id: string, patch: EquipmentPatch, now: number): void {
  const sets: string[] = [];
  const params: unknown[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'autoApproveOrgs' || value === undefined) continue;
    const column = COLUMNS[key as keyof typeof COLUMNS];
    sets.push(`${column.col} = ?`);
    params.push(value === null ? null : column.type === 'bool' ? (value ? 1 : 0) : column.type === 'json' ? JSON.stringify(value) : value);
  }
  db.prepare(`UPDATE equipment SET ${[...sets, 'updated_at = ?'].join(', ')} WHERE id = ?`).run(...params, now, id);
  if (patch.autoApproveOrgs) {
    db.prepare('DELETE FROM auto_approvals WHERE equipment_id = ?').run(id);
    const insert = db.prepare('INSERT INTO auto_approvals (equipment_id, org_id) VALUES (?, ?)');
    for (const org of new Set(patch.autoApproveOrgs)) insert.run(id, org);
  }
}
