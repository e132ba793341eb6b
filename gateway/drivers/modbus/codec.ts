import type { ReadingValue } from '../../../common/contracts/index.js';
import { reorderBytes } from '../../../common/encoding/byte-order.js';
import type { ModbusParameter } from './config.js';

/** Registers a parameter occupies. */
export function registerCount(p: Pick<ModbusParameter, 'type' | 'registers' | 'lengthChars'>): number {
  switch (p.type) {
    case 'bool': case 'bit': case 'int16': case 'uint16': return 1;
    case 'int32': case 'uint32': case 'float32': return 2;
    case 'int64': case 'uint64': case 'float64': return 4;
    case 'string': return p.registers ?? Math.ceil((p.lengthChars ?? 2) / 2);
  }
}

/** Decodes a parameter's registers (as read, wire order) into its engineering value. */
export function decodeRegisters(registers: ArrayLike<number>, p: ModbusParameter): ReadingValue {
  const wire = Buffer.alloc(registers.length * 2);
  for (let i = 0; i < registers.length; i++) wire.writeUInt16BE(registers[i]!, i * 2);
  if (p.type === 'string') {
    const text = reorderBytes(wire, p.order === 'BADC' || p.order === 'DCBA' ? 'BADC' : 'ABCD').toString('latin1');
    // An odd lengthChars leaves one byte of the last register that is not part of the text.
    return text.slice(0, p.lengthChars ?? text.length).replace(/\0+$/, '').trimEnd();
  }
  if (p.type === 'bit') return ((registers[0]! >> (p.bit ?? 0)) & 1) === 1;
  const be = reorderBytes(wire, p.order);
  const raw = ((): number => {
    switch (p.type) {
      case 'int16': return be.readInt16BE();
      case 'uint16': return be.readUInt16BE();
      case 'int32': return be.readInt32BE();
      case 'uint32': return be.readUInt32BE();
      case 'float32': return be.readFloatBE();
      case 'float64': return be.readDoubleBE();
      case 'int64': return Number(be.readBigInt64BE());
      case 'uint64': return Number(be.readBigUInt64BE());
      default: throw new Error(`type ${p.type} is not a register type`);
    }
  })();
  return p.type === 'float32' ? roundFloat32(raw * p.scale + p.offset, p.scale, p.offset) : raw * p.scale + p.offset;
}

/** float32 carries ~7 significant digits; printing more would show noise that was never measured. */
function roundFloat32(value: number, scale: number, offset: number): number {
  if (!Number.isFinite(value) || value === 0 || scale !== 1 || offset !== 0) return value;
  return Number(value.toPrecision(7));
}
