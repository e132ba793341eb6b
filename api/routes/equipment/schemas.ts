import { z } from 'zod';
import { Datatype, Identifier } from '../../../common/contracts/index.js';

export const EquipmentParams = z.object({ id: Identifier });

export const ParameterSummary = z.object({
  id: z.string(), name: z.string(), unit: z.string(), datatype: Datatype,
});

export const EquipmentSummary = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  site: z.string(),
  gateway: z.string(),
  online: z.boolean().describe("the equipment's gateway is connected to the broker"),
  lastSeen: z.number().int().nullable().describe('time of the newest reading, epoch ms'),
  parameters: z.array(ParameterSummary),
}).meta({ id: 'EquipmentSummary' });

export const EquipmentList = z.object({ items: z.array(EquipmentSummary) });
