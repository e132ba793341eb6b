import { AttributeIds, OPCUAClient } from 'node-opcua';
import { beforeAll, describe, expect, it } from 'vitest';
import { teardown } from './helpers/teardown.js';
import type { Reading } from '../common/contracts/index.js';
import { createLogger } from '../common/runtime/logger.js';
import { opcuaDriver } from '../gateway/drivers/opcua/driver.js';
import { reactorNodeId, type ReactorSim } from '../simulators/reactor/index.js';
import { driverContract } from './driver-contract.js';
import { reactor } from './helpers/reactor.js';
import { eventually, tempDir } from './helpers/servers.js';

const node = {
  reactorTemp: reactorNodeId('Measurements', 'ReactorTemperature'),
  jacketTemp: reactorNodeId('Measurements', 'JacketTemperature'),
  pressure: reactorNodeId('Measurements', 'Pressure'),
  alarm: reactorNodeId('Alarms', 'HighTemperatureAlarm'),
  batchState: reactorNodeId('Status', 'BatchState'),
  tempSetpoint: reactorNodeId('Setpoints', 'TemperatureSetpoint'),
};

let sim: ReactorSim;
const simReady = reactor().then((s) => { sim = s; return s; });

const device = (parameters: unknown[], extra: Record<string, unknown> = {}) => ({
  id: 'reactor-1', name: 'Reactor R-101', protocol: 'opcua', endpointUrl: sim.endpointUrl,
  publishingIntervalMs: 300, samplingIntervalMs: 100, reconnect: { initialDelayMs: 200, maxDelayMs: 1000 },
  parameters, ...extra,
});

/** Runs a driver for the rest of the file and records what it emits. */
async function runDriver(raw: unknown) {
  const emitted: Reading[][] = [];
  const driver = opcuaDriver.create(opcuaDriver.deviceSchema.parse(raw), {
    logger: createLogger('opcua-test', { equipmentId: 'reactor-1' }),
    emit: (readings) => emitted.push(readings),
    dataDir: tempDir('pilothub-gw-'),
  });
  await driver.start();
  teardown(() => driver.stop());
  return { emitted, of: (id: string) => emitted.flat().filter((r) => r.p === id) };
}

driverContract('opcua', async () => {
  await simReady;
  return {
    module: opcuaDriver,
    device: device([
      { id: 'reactor_temp', name: 'Reactor temperature', unit: '°C', nodeId: node.reactorTemp },
      { id: 'high_temp_alarm', name: 'High temperature alarm', nodeId: node.alarm, datatype: 'boolean' },
      { id: 'batch_state', name: 'Batch state', nodeId: node.batchState, datatype: 'string' },
      { id: 'temp_sp', name: 'Temperature setpoint', unit: '°C', nodeId: node.tempSetpoint, poll: true, pollIntervalMs: 300 },
    ]),
    takeDown: () => sim.disconnect(),
    bringBack: () => sim.reconnect(),
  };
});

describe('opcua driver against the reactor simulator', () => {
  let d: Awaited<ReturnType<typeof runDriver>>;
  beforeAll(async () => {
    await simReady;
    d = await runDriver(device([
      { id: 'reactor_temp', name: 'T', nodeId: node.reactorTemp, queueSize: 20, samplingIntervalMs: 100 },
      { id: 'reactor_temp_q1', name: 'T q1', nodeId: node.reactorTemp, queueSize: 1, samplingIntervalMs: 100 },
      { id: 'reactor_temp_abs', name: 'T abs', nodeId: node.reactorTemp, deadband: { type: 'absolute', value: 5 } },
      { id: 'reactor_temp_pct', name: 'T pct', nodeId: node.reactorTemp, deadband: { type: 'percent', value: 10 } },
      { id: 'jacket_temp', name: 'Tj', nodeId: node.jacketTemp },
      { id: 'pressure', name: 'P', nodeId: node.pressure },
      { id: 'sp_subscribed', name: 'SP sub', nodeId: node.tempSetpoint },
      { id: 'temp_polled', name: 'T poll', nodeId: node.reactorTemp, poll: true, pollIntervalMs: 200 },
      { id: 'missing', name: 'No such node', nodeId: 'ns=1;s=R101.NoSuchNode' },
    ], { publishingIntervalMs: 1000 }));
    await eventually('first data', () => (d.of('pressure').length > 0 ? true : undefined));
  });

  it('emits one batch per publishing cycle, holding up to queueSize samples per item', async () => {
    await eventually('several publishing cycles', () => (d.of('reactor_temp').length >= 30 ? true : undefined));
    const batches = d.emitted.filter((b) => b.some((r) => r.p === 'reactor_temp'));
    // One batch carries every subscribed parameter that changed in the cycle, not one emit per value.
    const biggest = batches.reduce((a, b) => (b.length > a.length ? b : a));
    expect(new Set(biggest.map((r) => r.p)).size).toBeGreaterThanOrEqual(3);
    // 100 ms sampling, 1 s publishing: queue 20 delivers several samples per cycle, queue 1 only the last.
    expect(Math.max(...batches.map((b) => b.filter((r) => r.p === 'reactor_temp').length))).toBeGreaterThan(3);
    expect(Math.max(...batches.map((b) => b.filter((r) => r.p === 'reactor_temp_q1').length))).toBe(1);
  });

  it('reports a change through a deadband only when it exceeds it (absolute and percent of EURange)', async () => {
    const seen = (id: string, v: number) => d.of(id).some((r) => r.v === v);
    // Far above the simulated batch (20-60 °C) so the first value passes every deadband.
    const values = [90, 92, 98, 106, 114];
    for (const v of values) {
      sim.override('reactorTemp', v);
      await eventually(`${v} without deadband`, () => (seen('reactor_temp', v) ? true : undefined));
    }
    sim.override('reactorTemp', undefined);
    // absolute 5: 92 is within 5 of 90; 98, 106 and 114 are each 8 above the last reported value.
    expect(values.filter((v) => seen('reactor_temp_abs', v))).toEqual([90, 98, 106, 114]);
    // 10 % of the 0-150 °C EURange = 15: 92 and 98 are within 15 of 90; 106 is 16 above; 114 is within 15 of 106.
    expect(values.filter((v) => seen('reactor_temp_pct', v))).toEqual([90, 106]);
  });

  it('reads polled parameters every pollIntervalMs, in their own batches, and subscribes the others', async () => {
    const fresh = (id: string) => d.of(id).filter((r) => !r.r);
    const start = { polled: d.of('temp_polled').length, subscribed: d.of('reactor_temp_q1').length, setpoint: fresh('sp_subscribed').length, batch: d.emitted.length };
    await eventually('fifteen polls', () => (d.of('temp_polled').length - start.polled >= 15 ? true : undefined));
    // Same node: read every 200 ms versus one sample per 1 s publishing cycle (queue size 1).
    expect(d.of('reactor_temp_q1').length - start.subscribed).toBeLessThan((d.of('temp_polled').length - start.polled) / 2);
    // Repeats of every last value (at each heartbeat) travel in batches of their own; the one read of every
    // parameter at connect is before this window.
    for (const batch of d.emitted.slice(start.batch).filter((b) => b.some((r) => r.p === 'temp_polled' && !r.r))) {
      expect(batch.every((r) => r.p === 'temp_polled')).toBe(true);
    }
    // A setpoint that does not change is not reported again by the subscription; anything more is a marked repeat.
    expect(fresh('sp_subscribed').length).toBe(start.setpoint);
  });

  it('maps status codes to quality: Uncertain to uncertain, Bad to bad without value, Good to good', async () => {
    sim.setStatus('jacketTemp', 'uncertain');
    const uncertain = await eventually('an uncertain reading', () => d.of('jacket_temp').find((r) => r.q === 'uncertain'));
    expect(typeof uncertain.v).toBe('number');
    sim.setStatus('jacketTemp', 'bad');
    await eventually('a bad reading', () => d.of('jacket_temp').find((r) => r.q === 'bad' && r.v === null));
    sim.setStatus('jacketTemp', 'good');
    const after = d.of('jacket_temp').length;
    await eventually('good readings again', () => d.of('jacket_temp').slice(after).find((r) => r.q === undefined && typeof r.v === 'number'));
  });

  it('stamps each reading with the source timestamp of its value', async () => {
    const marker = 42.125;
    sim.override('pressure', marker);
    sim.freeze('pressure', true);
    await eventually('the marker', () => d.of('pressure').find((r) => r.v === marker));
    const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 0 } });
    await client.connect(sim.endpointUrl);
    const session = await client.createSession();
    const dv = await session.read({ nodeId: node.pressure, attributeId: AttributeIds.Value });
    await session.close();
    await client.disconnect();
    // The simulator may write the marker once more (a new source timestamp) before the freeze holds it: the reading
    // of the value the server holds now carries that value's source timestamp, to the millisecond.
    const stamped = await eventually('the reading of the value read back', () => d.of('pressure').find((r) => r.v === marker && r.t === dv.sourceTimestamp!.getTime()));
    sim.freeze('pressure', false);
    sim.override('pressure', undefined);
    expect(dv.value.value).toBe(marker);
    expect(stamped.t).toBe(dv.sourceTimestamp!.getTime());
  });

  it('publishes a node the server does not know as bad and keeps the others going', async () => {
    await eventually('bad readings of the missing node', () => (d.of('missing').length >= 2 ? true : undefined));
    expect(d.of('missing').every((r) => r.q === 'bad' && r.v === null)).toBe(true);
    expect(d.of('pressure').some((r) => r.q === undefined)).toBe(true);
  });
});
