import { z } from 'zod';
import { DeviceBase, ParameterBase } from '../driver.js';
import { registerCount } from './codec.js';

export const ModbusTable = z.enum(['coil', 'discrete', 'input', 'holding']);
export const ModbusType = z.enum(['bool', 'bit', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64', 'string']);
export const ByteOrder = z.enum(['ABCD', 'BADC', 'CDAB', 'DCBA']);
const UnitId = z.number().int().min(0).max(255);

export const ModbusParameter = z.strictObject({
  ...ParameterBase,
  table: ModbusTable,
  address: z.number().int().min(0).max(65_535).describe('zero-based address within the table (protocol address, not 4xxxx notation)'),
  type: ModbusType.default('uint16'),
  order: ByteOrder.default('ABCD').describe('byte and word order of multi-register values; per device manual'),
  bit: z.number().int().min(0).max(15).optional().describe('bit index for type "bit" (0 = least significant)'),
  registers: z.number().int().min(1).max(125).optional().describe('for type "string": registers the text occupies (2 characters each)'),
  lengthChars: z.number().int().min(1).max(250).optional().describe('for type "string": characters of the text (registers = half, rounded up); longer text is cut'),
  // Kept in the schema only to refuse it with an explanation: it counted registers, and people wrote characters (issue #12).
  length: z.unknown().optional().describe('no longer accepted: write "registers" (what "length" meant) or "lengthChars"').meta({ deprecated: true }),
  scale: z.number().finite().default(1).describe('engineering value = raw * scale + offset'),
  offset: z.number().finite().default(0),
  unitId: UnitId.optional().describe('unit id of this parameter when it differs from the connection\'s (several controllers on one RS-485 line)'),
}).superRefine((p, ctx) => {
  // Runs even when a field is invalid (`when` below) so every mistake of an entry is reported at once;
  // each rule checks only fields that parsed.
  const tables = ModbusTable.options as readonly string[];
  const types = ModbusType.options as readonly string[];
  const validType = types.includes(p.type);
  if (tables.includes(p.table) && validType) {
    const bitTable = p.table === 'coil' || p.table === 'discrete';
    if (bitTable !== (p.type === 'bool')) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: bitTable ? `table "${p.table}" holds single bits: type must be "bool"` : `type "bool" needs table "coil" or "discrete"; for a bit inside a register use type "bit"` });
    }
  }
  if (p.type === 'bit' && p.bit === undefined) ctx.addIssue({ code: 'custom', path: ['bit'], message: 'type "bit" needs "bit" (0-15)' });
  if (validType && p.type !== 'bit' && p.bit !== undefined) ctx.addIssue({ code: 'custom', path: ['bit'], message: `"bit" applies only to type "bit", not "${p.type}"` });
  stringSizeIssues(p, validType).forEach((issue) => ctx.addIssue({ code: 'custom', ...issue }));
  if (validType && Number.isInteger(p.address) && p.address >= 0 && p.address <= 65_535 && p.address + registerCount(p) > 65_536) {
    ctx.addIssue({ code: 'custom', path: ['address'], message: `${p.type} at ${p.address} needs ${registerCount(p)} registers and runs past address 65535` });
  }
}, { when: () => true });
export type ModbusParameter = z.infer<typeof ModbusParameter>;

/** A string's size must be said in one unambiguous unit; the old `length` is refused with what it meant. */
function stringSizeIssues(p: { type: string; registers?: number; lengthChars?: number; length?: unknown }, validType: boolean): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  if (p.length !== undefined) {
    const n = typeof p.length === 'number' ? p.length : undefined;
    issues.push({ path: ['length'], message: n === undefined
      ? '"length" is no longer accepted: it counted registers (2 characters each); write "registers: N" or "lengthChars: N" (characters)'
      : `"length" is no longer accepted: "length: ${n}" meant ${n} registers (${2 * n} characters); write "registers: ${n}" to keep reading them, or "lengthChars: ${n}" if ${n} was the number of characters` });
  }
  if (p.type === 'string' && p.registers === undefined && p.lengthChars === undefined && p.length === undefined) {
    issues.push({ path: ['registers'], message: 'type "string" needs its size: "registers: N" (2 characters each) or "lengthChars: N" (characters)' });
  }
  if (p.registers !== undefined && p.lengthChars !== undefined) {
    issues.push({ path: ['lengthChars'], message: 'give "registers" or "lengthChars", not both' });
  }
  for (const key of ['registers', 'lengthChars'] as const) {
    if (validType && p.type !== 'string' && p[key] !== undefined) issues.push({ path: [key], message: `"${key}" applies only to type "string", not "${p.type}"` });
  }
  return issues;
}

export const ModbusTcpConnection = z.strictObject({
  transport: z.literal('tcp').describe('Modbus TCP (MBAP header, no CRC)'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535).default(502),
  unitId: UnitId.default(1),
});

/** RTU frames (with CRC) tunnelled through a TCP socket, as serial device servers (Moxa, Lantronix) offer. */
export const ModbusRtuOverTcpConnection = z.strictObject({
  transport: z.literal('rtu-over-tcp').describe('RTU frames over a raw TCP socket (serial device server)'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535),
  unitId: UnitId.default(1),
});

export const ModbusRtuConnection = z.strictObject({
  transport: z.literal('rtu').describe('Modbus RTU over a serial line (RS-485/RS-232)'),
  path: z.string().min(1).describe('serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/...'),
  baudRate: z.number().int().min(300).max(921_600).default(9600),
  parity: z.enum(['none', 'even', 'odd']).default('even').describe('Modbus over serial line §2.5.1: even parity is the default'),
  dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  unitId: UnitId.default(1),
});

export const ModbusConnection = z.discriminatedUnion('transport', [ModbusTcpConnection, ModbusRtuOverTcpConnection, ModbusRtuConnection]);
export type ModbusConnection = z.infer<typeof ModbusConnection>;

export const ModbusDevice = z.strictObject({
  ...DeviceBase,
  protocol: z.literal('modbus'),
  connection: ModbusConnection,
  pollIntervalMs: z.number().int().min(10).max(3_600_000).default(1000),
  timeoutMs: z.number().int().min(10).max(60_000).default(1000),
  retries: z.number().int().min(0).max(10).default(1),
  maxGap: z.number().int().min(0).max(124).default(8).describe('unused registers (or bits x 16) a read may span to save a request'),
  parameters: z.array(ModbusParameter).min(1),
});
export type ModbusDevice = z.infer<typeof ModbusDevice>;
