import { z } from 'zod';
import { LiveStatus } from '../equipment/schemas.js';

export const EquipmentStatus = z.object({ equipmentId: z.string(), status: LiveStatus, at: z.number().int() }).meta({ id: 'EquipmentStatus' });
export const StatusList = z.object({ items: z.array(EquipmentStatus) });
