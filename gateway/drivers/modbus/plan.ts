import { registerCount } from './codec.js';
import type { ModbusParameter } from './config.js';

/** Protocol limits per request (Modbus application protocol §6.1-6.4): 2000 bits, 125 registers. */
export const MAX_BITS_PER_READ = 2000;
export const MAX_REGISTERS_PER_READ = 125;

export interface ReadRequest {
  unitId: number;
  table: ModbusParameter['table'];
  address: number;
  length: number;
  parameters: ModbusParameter[];
}

const TABLES = ['coil', 'discrete', 'input', 'holding'] as const;

/**
 * Plans the fewest reads covering every parameter: per unit and table, sort by address and extend the
 * current read while the next parameter fits within the size limit and the gap to it is at most `maxGap`.
 * Greedy extension is optimal for covering sorted intervals with a length cap, so no search is needed.
 */
export function planReads(parameters: ModbusParameter[], maxGap: number, defaultUnitId = 1): ReadRequest[] {
  const requests: ReadRequest[] = [];
  const units = [...new Set(parameters.map((p) => p.unitId ?? defaultUnitId))].sort((a, b) => a - b);
  for (const unitId of units) {
    for (const table of TABLES) {
      const bits = table === 'coil' || table === 'discrete';
      const limit = bits ? MAX_BITS_PER_READ : MAX_REGISTERS_PER_READ;
      const gap = bits ? maxGap * 16 : maxGap;
      const sorted = parameters.filter((p) => p.table === table && (p.unitId ?? defaultUnitId) === unitId).sort((a, b) => a.address - b.address);
      let current: ReadRequest | undefined;
      for (const p of sorted) {
        const end = p.address + registerCount(p);
        if (current && p.address - (current.address + current.length) <= gap && end - current.address <= limit) {
          current.length = Math.max(current.length, end - current.address);
          current.parameters.push(p);
        } else {
          current = { unitId, table, address: p.address, length: end - p.address, parameters: [p] };
          requests.push(current);
        }
      }
    }
  }
  return requests;
}
