import { describe, expect, it } from 'vitest';
import { freePort } from '../common/runtime/ports.js';
import { EXTRUDER_MAP, startExtruder } from '../simulators/extruder/index.js';
import { applyFaultCommand } from '../simulators/modbus/fault-console.js';
import { ModbusFaults } from '../simulators/modbus/faults.js';
import { ValueFaults } from '../simulators/modbus/value-faults.js';
import { eventually } from './helpers/servers.js';
import { teardown } from './helpers/teardown.js';
import { runModbus } from './modbus-helpers.js';

const zones = Array.from({ length: 8 }, (_, i) => ({
  id: `zone${i + 1}_temp`, name: `Zone ${i + 1}`, table: 'input', address: EXTRUDER_MAP.input.zoneTemp(i + 1), type: 'float32', order: 'CDAB',
}));
const setpoints = [
  { id: 'zone1_sp', name: 'Zone 1 setpoint', table: 'holding', address: 0, type: 'float32', order: 'CDAB' },
  { id: 'speed_sp', name: 'Screw speed setpoint', table: 'holding', address: EXTRUDER_MAP.holding.screwSpeedSetpoint, type: 'int32', order: 'CDAB', scale: 0.1 },
  { id: 'feed_sp', name: 'Feed setpoint', table: 'holding', address: EXTRUDER_MAP.holding.feedSetpoint, type: 'float32', order: 'CDAB' },
];

/** Issue #12: one address the device refuses must not spoil the coalesced read it sits in. */
describe('Modbus refused addresses (exceptions 02 and 03) against the extruder simulator', () => {
  it('splits a refused block, marks only the refused parameters bad, remembers the split, and asks the address again later', async () => {
    const sim = await startExtruder({ port: await freePort() });
    teardown(() => sim.stop());
    sim.faults.refuse('input', EXTRUDER_MAP.input.zoneTemp(4)); // 02 illegal data address
    sim.faults.refuse('holding', EXTRUDER_MAP.holding.screwSpeedSetpoint + 1, 0x03); // 03 illegal data value
    const inputRequests: number[] = [];
    const run = runModbus({ connection: { transport: 'tcp', host: '127.0.0.1', port: sim.port }, pollIntervalMs: 100, parameters: [...zones, ...setpoints] },
      () => inputRequests.push(sim.requestCount[4] ?? 0));
    teardown(() => run.driver.stop());
    await run.driver.start();
    await eventually('eight polls', () => (run.polls.length >= 8 ? true : undefined));

    for (const poll of run.polls) {
      const got = new Map(poll.map((r) => [r.p, r]));
      for (const z of zones) {
        if (z.id === 'zone4_temp') expect(got.get(z.id)).toMatchObject({ v: null, q: 'bad' });
        else expect(typeof got.get(z.id)?.v, z.id).toBe('number');
      }
      expect(got.get('speed_sp')).toMatchObject({ v: null, q: 'bad' });
      expect(got.get('zone1_sp')?.v).toBe(60);
      expect(typeof got.get('feed_sp')?.v).toBe('number');
    }
    const refusedLines = run.logs.filter((l) => l.msg.startsWith('modbus address refused'));
    expect(refusedLines.map((l) => l.msg)).toEqual([
      'modbus address refused: device "dev-1" unit 1 input 6: illegal data address (exception 2) for parameter "zone4_temp"; it is bad and asked again now and then (check its address)',
      'modbus address refused: device "dev-1" unit 1 holding 16: illegal data value (exception 3) for parameter "speed_sp"; it is bad and asked again now and then (check its address)',
    ]);
    expect(refusedLines[0]).toMatchObject({ unitId: 1, table: 'input', address: 6, parameter: 'zone4_temp', exception: 2 });
    expect(Object.fromEntries(run.health.parts)).toEqual({
      'input 6': 'refused: illegal data address (exception 2) for parameter "zone4_temp"',
      'holding 16': 'refused: illegal data value (exception 3) for parameter "speed_sp"',
    });
    expect(run.health.device).toBeUndefined();
    // Split once, in the first poll; later polls read the remembered pieces: zones 1-2, 3, 5-8 (zone 4 only
    // when its backoff is over) instead of the one refused block or a split every poll.
    expect(run.logs.filter((l) => l.msg.startsWith('modbus block refused'))).toHaveLength(2);
    const perPoll = inputRequests.slice(2).map((n, i) => n - inputRequests[i + 1]!);
    expect(Math.max(...perPoll)).toBeLessThanOrEqual(4);
    expect(Math.min(...perPoll)).toBe(3);

    sim.faults.accept('input', EXTRUDER_MAP.input.zoneTemp(4));
    await eventually('zone 4 read again', () => (typeof run.latest().get('zone4_temp')?.v === 'number' ? true : undefined));
    expect(run.health.parts.has('input 6')).toBe(false);
    expect(run.health.parts.has('holding 16')).toBe(true);
    expect(run.logs.some((l) => l.msg === 'modbus address answered again: device "dev-1" unit 1 input 6')).toBe(true);
  });

  it('the simulator refuses addresses from its fault console too', () => {
    const faults = new ModbusFaults();
    const values = new ValueFaults(() => {}, () => ({}));
    expect(applyFaultCommand('refuse holding 122', faults, values, [])).toBe('refusing holding 122 with exception 2');
    expect(applyFaultCommand('refuse input 7 3', faults, values, [])).toBe('refusing input 7 with exception 3');
    expect([faults.refusalFor('holding', 120, 2), faults.refusalFor('holding', 120, 3), faults.refusalFor('input', 0, 8)]).toEqual([undefined, 2, 3]);
    expect(applyFaultCommand('accept holding 122', faults, values, [])).toBe('holding 122 answered again');
    expect(faults.refusalFor('holding', 122, 1)).toBeUndefined();
    expect(applyFaultCommand('refuse register 1', faults, values, [])).toMatch(/^usage: refuse/);
  });
});
