import { describe, expect, it } from 'vitest';
import { freePort } from '../common/runtime/ports.js';
import { startExtruder, startExtruderRtu } from '../simulators/extruder/index.js';
import { eventually } from './helpers/servers.js';
import { runModbus } from './modbus-helpers.js';

const EXTRUDER_PARAMETERS = [
  { id: 'zone1_sp', name: 'Zone 1 setpoint', table: 'holding', address: 0, type: 'float32', order: 'CDAB' },
  { id: 'zone8_sp', name: 'Zone 8 setpoint', table: 'holding', address: 14, type: 'float32', order: 'CDAB' },
  { id: 'speed_sp', name: 'Screw speed setpoint', table: 'holding', address: 16, type: 'int32', order: 'CDAB', scale: 0.1 },
  { id: 'zone1', name: 'Zone 1', table: 'input', address: 0, type: 'float32', order: 'CDAB' },
  { id: 'melt_pressure', name: 'Melt pressure', table: 'input', address: 18, type: 'float32', order: 'CDAB' },
  { id: 'running', name: 'Running', table: 'coil', address: 0, type: 'bool' },
];

async function readExtruder(connection: Record<string, unknown>, pollIntervalMs = 200, onEmit?: () => void) {
  const run = runModbus({ connection, pollIntervalMs, timeoutMs: 500, parameters: EXTRUDER_PARAMETERS }, onEmit);
  await run.driver.start();
  await eventually('a good poll', () => run.polls.find((poll) => poll.every((r) => r.q === undefined)));
  return run;
}

describe('Modbus RTU without hardware (socat pseudo-terminals)', () => {
  it('reads the extruder over a serial line: CDAB float32 and int32, coils', async () => {
    const sim = await startExtruderRtu({});
    try {
      const counts: Record<string, number>[] = [];
      const run = await readExtruder({ transport: 'rtu', path: sim.clientPath, baudRate: 115200, parity: 'none' }, 200, () => counts.push({ ...sim.requestCount }));
      await run.driver.stop();
      const got = run.latest();
      expect(got.get('zone1_sp')?.v).toBe(60);
      expect(got.get('zone8_sp')?.v).toBe(220);
      expect(got.get('speed_sp')?.v).toBe(300);
      expect(got.get('running')?.v).toBe(true);
      expect(Math.abs((got.get('zone1')?.v as number) - sim.state().zoneTemps[0]!)).toBeLessThan(5);
      expect(sim.requestCount[3]).toBeGreaterThan(0);
      // per poll: coil 0; input 0-1 and 18-19 (16 unused registers > maxGap 8); holding 0-1 and 14-17 (gap 12)
      counts.forEach((c, i) => expect(c).toEqual({ 1: i + 1, 3: 2 * (i + 1), 4: 2 * (i + 1) }));
    } finally {
      await sim.stop();
    }
  });

  it('reads the extruder with RTU framing over TCP (a serial device server), and an exception goes bad', async () => {
    const sim = await startExtruderRtu({ tcpPort: await freePort() });
    try {
      const run = await readExtruder({ transport: 'rtu-over-tcp', host: '127.0.0.1', port: sim.tcp!.port });
      expect(run.latest().get('speed_sp')?.v).toBe(300);
      sim.faults.raise(0x04, 'input');
      const bad = await eventually('input registers bad', () => run.polls.find((poll) => poll.find((r) => r.p === 'zone1')?.q === 'bad'));
      expect(bad.find((r) => r.p === 'zone8_sp')?.q).toBeUndefined();
      expect(run.logs.some((l) => l.msg.includes('unit 1 input 0..1: Modbus exception 4'))).toBe(true);
      await run.driver.stop();
    } finally {
      await sim.stop();
    }
  });
});

describe('value faults of the extruder simulator', () => {
  it('freezes values and shows out-of-range spikes', async () => {
    const sim = await startExtruder({ port: await freePort(), tickMs: 20 });
    try {
      const run = await readExtruder({ transport: 'tcp', host: '127.0.0.1', port: sim.port }, 50);
      sim.values.freeze(true);
      const from = run.polls.length + 1;
      await eventually('four polls while frozen', () => (run.polls.length >= from + 4 ? true : undefined));
      const frozen = run.polls.slice(from).map((poll) => poll.find((r) => r.p === 'zone1')?.v);
      expect(new Set(frozen).size).toBe(1);
      sim.values.freeze(false);
      sim.values.spike('meltPressure', 9999, 300);
      await eventually('the spike', () => run.polls.find((poll) => poll.find((r) => r.p === 'melt_pressure')?.v === 9999));
      const after = run.polls.length;
      await eventually('back to live values', () => run.polls.slice(after).find((poll) => (poll.find((r) => r.p === 'melt_pressure')?.v as number) < 500));
      await run.driver.stop();
    } finally {
      await sim.stop();
    }
  });
});
