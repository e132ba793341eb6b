import { describe, expect, it } from 'vitest';
import { teardown } from './helpers/teardown.js';
import { freePort } from '../common/runtime/ports.js';
import { ModbusParameter } from '../gateway/drivers/modbus/config.js';
import { planReads } from '../gateway/drivers/modbus/plan.js';
import { RegisterBank } from '../simulators/modbus/register-bank.js';
import { serveModbusTcp } from '../simulators/modbus/server.js';
import { eventually } from './helpers/servers.js';
import { runModbus } from './modbus-helpers.js';

/**
 * A sample map with every coalescing situation, and the fewest requests that can cover it, worked out by
 * hand from the protocol limits (125 registers, 2000 bits per read) and maxGap 8:
 */
const p = (id: string, table: string, address: number, type = 'uint16', extra: Record<string, unknown> = {}) => ({ id, name: id, table, address, type, ...extra });
const SAMPLE = [
  // 150 float32 at 0, 2, ... 298 (300 registers): a float cannot straddle two reads, so 0-123, 124-247, 248-299 -> 3
  ...Array.from({ length: 150 }, (_, i) => p(`f${i}`, 'holding', 2 * i, 'float32')),
  // 1000 and 1010: 9 unused registers between them, more than maxGap -> 2
  p('a', 'holding', 1000), p('b', 'holding', 1010),
  // 1100 and 1108: 7 unused registers, within maxGap -> 1
  p('c', 'holding', 1100), p('d', 'holding', 1108),
  // input registers 0-3 as one int64 and a bit in register 4 -> 1
  p('e', 'input', 0, 'int64'), p('g', 'input', 4, 'bit', { bit: 3 }),
  // 2500 coils 0-2499 -> 2000 + 500 -> 2
  ...Array.from({ length: 2500 }, (_, i) => p(`c${i}`, 'coil', i, 'bool')),
  // discrete inputs 0 and 200: 199 unused bits, more than maxGap x 16 = 128 -> 2
  p('d0', 'discrete', 0, 'bool'), p('d200', 'discrete', 200, 'bool'),
  // a second controller on the same line, unit 2 -> 1
  p('u2', 'holding', 0, 'uint16', { unitId: 2 }),
];
/** Per function code: 01 coils, 02 discrete inputs, 03 holding registers, 04 input registers. */
const OPTIMAL = { 1: 2, 2: 2, 3: 3 + 2 + 1 + 1, 4: 1 };

describe('request coalescing', () => {
  it('plans the optimal number of reads for the sample map', () => {
    const plan = planReads(SAMPLE.map((x) => ModbusParameter.parse(x)), 8, 1);
    const byFc = { 1: 0, 2: 0, 3: 0, 4: 0 };
    for (const r of plan) byFc[({ coil: 1, discrete: 2, holding: 3, input: 4 } as const)[r.table]]++;
    expect(byFc).toEqual(OPTIMAL);
    for (const r of plan) expect(r.length).toBeLessThanOrEqual(r.table === 'coil' || r.table === 'discrete' ? 2000 : 125);
  });

  it('the simulator receives exactly the optimal number of requests per poll, coils and discrete inputs included', async () => {
    const bank = new RegisterBank(4000);
    const server = await serveModbusTcp({ units: new Map([[1, bank], [2, bank]]), port: await freePort() });
    teardown(() => server.stop());
    // The server counts each request frame when it arrives, so at the moment a poll is emitted the counts
    // hold exactly the requests of the polls emitted so far.
    const snapshots: Record<string, number>[] = [];
    const run = runModbus({ connection: { transport: 'tcp', host: '127.0.0.1', port: server.port }, pollIntervalMs: 100, maxGap: 8, parameters: SAMPLE },
      () => snapshots.push({ ...server.requestCount }));
    await run.driver.start();
    await eventually('three polls', () => (run.polls.length >= 3 ? true : undefined));
    await run.driver.stop();
    expect(run.polls.every((poll) => poll.length === SAMPLE.length && poll.every((r) => r.q === undefined))).toBe(true);
    snapshots.forEach((counts, i) => expect(counts).toEqual(Object.fromEntries(Object.entries(OPTIMAL).map(([fc, n]) => [fc, n * (i + 1)]))));
    const polls = snapshots.length;
    const counted = snapshots.at(-1)!;
    // issued / optimal, as the benchmark reports it
    const issued = Object.values(counted).reduce((a, b) => a + b, 0);
    expect(issued / (polls * Object.values(OPTIMAL).reduce((a, b) => a + b, 0))).toBe(1);
  });
});
