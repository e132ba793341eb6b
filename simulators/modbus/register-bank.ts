import { reorderBytes, type ByteOrder } from '../../common/encoding/byte-order.js';

/**
 * The memory of a simulated Modbus device: four tables as the Modbus application protocol
 * defines them (§4.3: coils, discrete inputs, input registers, holding registers).
 * Values are encoded here exactly as a real device would put them on the wire.
 */
export type Table = 'coil' | 'discrete' | 'input' | 'holding';

export class RegisterBank {
  readonly holding: Uint16Array;
  readonly input: Uint16Array;
  readonly coil: Uint8Array;
  readonly discrete: Uint8Array;

  constructor(size = 10_000) {
    this.holding = new Uint16Array(size);
    this.input = new Uint16Array(size);
    this.coil = new Uint8Array(size);
    this.discrete = new Uint8Array(size);
  }

  registers(table: 'input' | 'holding'): Uint16Array {
    return table === 'input' ? this.input : this.holding;
  }

  bits(table: 'coil' | 'discrete'): Uint8Array {
    return table === 'coil' ? this.coil : this.discrete;
  }

  writeFloat32(table: 'input' | 'holding', address: number, value: number, order: ByteOrder = 'ABCD'): void {
    const buf = Buffer.alloc(4);
    buf.writeFloatBE(value);
    this.writeBytes(table, address, buf, order);
  }

  readFloat32(table: 'input' | 'holding', address: number, order: ByteOrder = 'ABCD'): number {
    return this.readBytes(table, address, 4, order).readFloatBE();
  }

  writeInt32(table: 'input' | 'holding', address: number, value: number, order: ByteOrder = 'ABCD'): void {
    const buf = Buffer.alloc(4);
    buf.writeInt32BE(value);
    this.writeBytes(table, address, buf, order);
  }

  /** Writes big-endian bytes `buf` into registers, rearranged into the device's byte/word order. */
  writeBytes(table: 'input' | 'holding', address: number, buf: Buffer, order: ByteOrder): void {
    const wire = reorderBytes(buf, order);
    const regs = this.registers(table);
    for (let i = 0; i < wire.length / 2; i++) regs[address + i] = wire.readUInt16BE(i * 2);
  }

  readBytes(table: 'input' | 'holding', address: number, byteLength: number, order: ByteOrder): Buffer {
    const wire = Buffer.alloc(byteLength);
    const regs = this.registers(table);
    for (let i = 0; i < byteLength / 2; i++) wire.writeUInt16BE(regs[address + i] ?? 0, i * 2);
    return reorderBytes(wire, order);
  }
}

