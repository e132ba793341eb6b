import { z } from 'zod';
import { Quality, ReadingValue } from '../../../common/contracts/index.js';
import { LiveStatus, OfflineInfo } from '../equipment/schemas.js';

export const EquipmentStatus = z.object({
  equipmentId: z.string(), status: LiveStatus, at: z.number().int(),
  offline: OfflineInfo.optional().describe('present when the status is offline: why, and since when'),
}).meta({ id: 'EquipmentStatus' });
export const StatusList = z.object({ items: z.array(EquipmentStatus) });

/** The latest reading of every parameter of one equipment, pushed on the status stream as a "values" event. */
export const LiveValues = z.object({
  equipmentId: z.string(),
  values: z.record(z.string(), z.object({ v: ReadingValue.nullable(), t: z.number().int(), q: Quality })),
}).meta({ id: 'LiveValues' });
export type LiveValues = z.infer<typeof LiveValues>;
