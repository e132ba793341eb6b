import { z } from 'zod';
import { DeviceBase, ParameterBase } from '../driver.js';

export const ModbusTable = z.enum(['coil', 'discrete', 'input', 'holding']);
export const ModbusType = z.enum(['bool', 'bit', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64', 'string']);
export const ByteOrder = z.enum(['ABCD', 'BADC', 'CDAB', 'DCBA']);

export const ModbusParameter = z.strictObject({
  ...ParameterBase,
  table: ModbusTable,
  address: z.number().int().min(0).max(65_535).describe('zero-based address within the table (protocol address, not 4xxxx notation)'),
  type: ModbusType.default('uint16'),
  order: ByteOrder.default('ABCD').describe('byte and word order of multi-register values; per device manual'),
  bit: z.number().int().min(0).max(15).optional().describe('bit index for type "bit" (0 = least significant)'),
  length: z.number().int().min(1).max(125).optional().describe('registers for type "string" (2 characters each)'),
  scale: z.number().finite().default(1).describe('engineering value = raw * scale + offset'),
  offset: z.number().finite().default(0),
}).superRefine((p, ctx) => {
  const bitTable = p.table === 'coil' || p.table === 'discrete';
  if (bitTable !== (p.type === 'bool')) {
    ctx.addIssue({ code: 'custom', path: ['type'], message: bitTable ? `table "${p.table}" holds single bits: type must be "bool"` : `type "bool" needs table "coil" or "discrete"; for a bit inside a register use type "bit"` });
  }
  if (p.type === 'bit' && p.bit === undefined) ctx.addIssue({ code: 'custom', path: ['bit'], message: 'type "bit" needs "bit" (0-15)' });
  if (p.type === 'string' && p.length === undefined) ctx.addIssue({ code: 'custom', path: ['length'], message: 'type "string" needs "length" in registers' });
});
export type ModbusParameter = z.infer<typeof ModbusParameter>;

export const ModbusTcpConnection = z.strictObject({
  transport: z.literal('tcp'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535).default(502),
  unitId: z.number().int().min(0).max(255).default(1),
});

export const ModbusDevice = z.strictObject({
  ...DeviceBase,
  protocol: z.literal('modbus'),
  connection: z.discriminatedUnion('transport', [ModbusTcpConnection]),
  pollIntervalMs: z.number().int().min(10).max(3_600_000).default(1000),
  timeoutMs: z.number().int().min(10).max(60_000).default(1000),
  retries: z.number().int().min(0).max(10).default(1),
  maxGap: z.number().int().min(0).max(124).default(8).describe('unused registers (or bits x 16) a read may span to save a request'),
  parameters: z.array(ModbusParameter).min(1),
});
export type ModbusDevice = z.infer<typeof ModbusDevice>;
