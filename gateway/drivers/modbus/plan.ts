import { registerCount } from './codec.js';
import type { ModbusParameter } from './config.js';

/** Protocol limits per request (Modbus application protocol §6.1-6.4): 2000 bits, 125 registers. */
export const MAX_BITS_PER_READ = 2000;
export const MAX_REGISTERS_PER_READ = 125;

export interface ReadRequest {
  table: ModbusParameter['table'];
  address: number;
  length: number;
  parameters: ModbusParameter[];
}

/**
 * Plans the fewest reads covering every parameter: per table, sort by address and extend the current
 * read while the next parameter fits within the size limit and the gap to it is at most `maxGap`.
 * Greedy extension is optimal for covering sorted intervals with a length cap, so no search is needed.
 */
export function planReads(parameters: ModbusParameter[], maxGap: number): ReadRequest[] {
  const requests: ReadRequest[] = [];
  for (const table of ['coil', 'discrete', 'input', 'holding'] as const) {
    const limit = table === 'coil' || table === 'discrete' ? MAX_BITS_PER_READ : MAX_REGISTERS_PER_READ;
    const gap = table === 'coil' || table === 'discrete' ? maxGap * 16 : maxGap;
    const sorted = parameters.filter((p) => p.table === table).sort((a, b) => a.address - b.address);
    let current: ReadRequest | undefined;
    for (const p of sorted) {
      const end = p.address + registerCount(p);
      if (current && p.address - (current.address + current.length) <= gap && end - current.address <= limit) {
        current.length = Math.max(current.length, end - current.address);
        current.parameters.push(p);
      } else {
        current = { table, address: p.address, length: end - p.address, parameters: [p] };
        requests.push(current);
      }
    }
  }
  return requests;
}
