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

/** Scratch space for one value's bytes in big-endian order: decoding allocates nothing per reading (issue #20). */
const scratch = new DataView(new ArrayBuffer(8));

/**
 * Decodes a parameter's registers (as read, wire order), starting at `offset` of a block's values, into its
 * engineering value.
 */
export function decodeRegisters(registers: ArrayLike<number>, p: ModbusParameter, offset = 0): ReadingValue {
  if (p.type === 'string') {
    const count = registerCount(p);
    const wire = Buffer.alloc(count * 2);
    for (let i = 0; i < count; i++) wire.writeUInt16BE(registers[offset + i] ?? 0, i * 2);
    const text = reorderBytes(wire, p.order === 'BADC' || p.order === 'DCBA' ? 'BADC' : 'ABCD').toString('latin1');
    // An odd lengthChars leaves one byte of the last register that is not part of the text.
    return text.slice(0, p.lengthChars ?? text.length).replace(/\0+$/, '').trimEnd();
  }
  if (p.type === 'bit') return ((registers[offset]! >> (p.bit ?? 0)) & 1) === 1;
  // The orders of common/encoding/byte-order.ts: CDAB reverses the words, BADC swaps the bytes of each, DCBA both.
  const words = registerCount(p);
  const reverse = p.order === 'CDAB' || p.order === 'DCBA';
  const swap = p.order === 'BADC' || p.order === 'DCBA';
  for (let i = 0; i < words; i++) {
    const w = registers[offset + (reverse ? words - 1 - i : i)] ?? 0;
    scratch.setUint16(i * 2, swap ? ((w & 0xff) << 8) | (w >> 8) : w);
  }
  const raw = ((): number => {
    switch (p.type) {
      case 'int16': return scratch.getInt16(0);
      case 'uint16': return scratch.getUint16(0);
      case 'int32': return scratch.getInt32(0);
      case 'uint32': return scratch.getUint32(0);
      case 'float32': return scratch.getFloat32(0);
      case 'float64': return scratch.getFloat64(0);
      case 'int64': return Number(scratch.getBigInt64(0));
      case 'uint64': return Number(scratch.getBigUint64(0));
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
