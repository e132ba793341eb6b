import { z } from 'zod';
import { Datatype, Identifier } from '../../../common/contracts/index.js';
import { EquipmentPatch, EquipmentProfile } from '../../sharing/equipment-store.js';
import { IsoTime } from '../common.js';

export { EquipmentPatch, EquipmentProfile };

export const EquipmentParams = z.object({ id: Identifier });

export const LiveStatus = z.enum(['offline', 'running', 'idle', 'alarm', 'maintenance', 'booked']).meta({ id: 'LiveStatus' });

export const OfflineInfo = z.object({
  reason: z.string().nullable().describe('the evidence in English (a device\'s own words come from its gateway)'),
  code: z.enum(['gateway_offline', 'gateway_not_connected', 'device_unreachable', 'no_reading_yet', 'not_announced', 'stale']).nullable()
    .describe('why, for wording it in the reader\'s language (catalog offline.*); with gateway or seconds where they apply'),
  gateway: z.string().nullable(),
  seconds: z.number().int().nullable(),
  since: z.number().int().nullable().describe('epoch ms; null when unknown'),
}).meta({ id: 'OfflineInfo' });

export const DeviceFaultInfo = z.object({ part: z.string(), reason: z.string(), since: z.number().int() }).meta({ id: 'DeviceFault' });

export const ParameterSummary = z.object({
  id: z.string(), name: z.string(), unit: z.string(), datatype: Datatype,
});

export const EquipmentSummary = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  site: z.string().nullable().describe('null when no gateway has announced it since the hub started'),
  gateway: z.string().nullable(),
  online: z.boolean().describe('the gateway is connected, reaches the device, and a good reading arrived in the last 30 s'),
  lastSeen: z.number().int().nullable().describe('time of the newest good reading, epoch ms'),
  status: LiveStatus,
  offline: OfflineInfo.nullable().describe('why the status is offline and since when; null otherwise'),
  faults: z.array(DeviceFaultInfo).describe('parts of the device that do not answer while the rest does (a Modbus unit, a refused register, an OPC UA node)'),
  bookable: z.boolean(),
  location: z.string(),
  parameters: z.array(ParameterSummary),
  keyParameters: z.array(z.string()).describe('ids of the parameters the board shows: the profile\'s keyParameters, or the first five numeric ones when it has none'),
}).meta({ id: 'EquipmentSummary' });

export const EquipmentList = z.object({ items: z.array(EquipmentSummary) });

export const EquipmentDetail = z.object({
  profile: EquipmentProfile.extend({
    rateInternal: EquipmentProfile.shape.rateInternal.nullable().describe('per hour, for the operator organisation; null for customers (the operator\'s internal price is not theirs to see)'),
    // The operator's asset value and utilisation target are its own business, as its internal rate is.
    originalValue: EquipmentProfile.shape.originalValue.describe('设备原值 (operator staff; null for customers)'),
    originalValueCurrency: EquipmentProfile.shape.originalValueCurrency.nullable().describe('currency of originalValue (operator staff; null for customers)'),
    yearlyHoursNorm: EquipmentProfile.shape.yearlyHoursNorm.describe('yearly effective hours target (operator staff; null for customers)'),
  }),
  live: EquipmentSummary,
}).meta({ id: 'EquipmentDetail' });

export const MaintenanceWindow = z.object({
  id: z.string(), equipmentId: z.string(), startsAt: z.number().int(), endsAt: z.number().int(), reason: z.string(),
}).meta({ id: 'MaintenanceWindow' });
export const MaintenanceList = z.object({ items: z.array(MaintenanceWindow) });
export const MaintenanceCreated = MaintenanceWindow.extend({
  affectedBookings: z.array(z.object({
    id: z.string(), orgId: z.string(), startsAt: z.number().int(), endsAt: z.number().int(), status: z.enum(['requested', 'approved']),
  })).describe('requested and approved bookings the window overlaps: they stay as they are, for staff to move or cancel with the customer'),
}).meta({ id: 'MaintenanceCreated' });
export type MaintenanceCreated = z.infer<typeof MaintenanceCreated>;
export const MaintenanceBody = z.strictObject({ startsAt: IsoTime, endsAt: IsoTime, reason: z.string().min(1).max(500) });
export const MaintenanceParams = z.object({ id: z.string().min(1).max(100) });
