import { beforeAll, describe, expect, it } from 'vitest';
import { teardown } from './helpers/teardown.js';
import type { Reading } from '../common/contracts/index.js';
import { createLogger } from '../common/runtime/logger.js';
import { opcuaDriver } from '../gateway/drivers/opcua/driver.js';
import { reactorNodeId, type ReactorSim } from '../simulators/reactor/index.js';
import { reactor } from './helpers/reactor.js';
import { eventually, tempDir } from './helpers/servers.js';

const SETPOINT = reactorNodeId('Setpoints', 'TemperatureSetpoint');
const JACKET = reactorNodeId('Measurements', 'JacketTemperature');
const PRESSURE = reactorNodeId('Measurements', 'Pressure');

/** Records what a driver emits, with the time it was emitted. */
async function runDriver(sim: ReactorSim, extra: Record<string, unknown>) {
  const emitted: { at: number; r: Reading }[] = [];
  const driver = opcuaDriver.create(opcuaDriver.deviceSchema.parse({
    id: 'reactor-1', name: 'Reactor', protocol: 'opcua', endpointUrl: sim.endpointUrl, publishingIntervalMs: 300, samplingIntervalMs: 100,
    parameters: [
      { id: 'temp_sp', name: 'Temperature setpoint', nodeId: SETPOINT },
      { id: 'jacket_temp', name: 'Jacket temperature', nodeId: JACKET },
      { id: 'pressure', name: 'Pressure', nodeId: PRESSURE },
    ],
    ...extra,
  }), {
    logger: createLogger('opcua-repeats-test'),
    emit: (readings) => { const at = Date.now(); emitted.push(...readings.map((r) => ({ at, r }))); },
    dataDir: tempDir('pilothub-gw-'),
  });
  await driver.start();
  teardown(() => driver.stop());
  return (id: string, since = 0) => emitted.filter((e) => e.r.p === id && e.at >= since);
}

describe('opcua repeats of unchanged values', () => {
  let sim: ReactorSim;
  beforeAll(async () => {
    sim = await reactor();
    // A value that never changes: it keeps its source timestamp, so the subscription reports it once.
    sim.freeze('pressure', true);
  });

  it('republishes every last value at the heartbeat, stamped now and marked r: true, with its quality', async () => {
    const of = await runDriver(sim, { heartbeatIntervalMs: 1000 });
    const sample = await eventually('the steady value', () => of('pressure').find((e) => !e.r.r));
    const start = Date.now();
    await eventually('three heartbeats', () => (of('pressure', start).filter((e) => e.r.r).length >= 3 ? true : undefined), 10_000);
    const repeats = of('pressure').filter((e) => e.r.r);
    // Stored once at its source time; every later point is a marked repeat at the time it was confirmed.
    expect(of('pressure').filter((e) => !e.r.r)).toHaveLength(1);
    expect(sample.r.t).toBeLessThan(start);
    for (const { at, r } of repeats) {
      expect(r).toMatchObject({ v: sample.r.v, r: true });
      expect(r.q).toBeUndefined();
      expect(Math.abs(r.t - at)).toBeLessThan(50);
    }
    const times = of('pressure').map((e) => e.r.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));

    sim.setStatus('jacketTemp', 'uncertain');
    sim.freeze('jacketTemp', true);
    const uncertain = await eventually('an uncertain value', () => of('jacket_temp').find((e) => e.r.q === 'uncertain' && !e.r.r));
    const repeat = await eventually('its repeat', () => of('jacket_temp', uncertain.at + 1).find((e) => e.r.r));
    expect(repeat.r).toMatchObject({ v: uncertain.r.v, q: 'uncertain', r: true });
    sim.freeze('jacketTemp', false);
    sim.setStatus('jacketTemp', 'good');
  });

  it('with the default 60 s heartbeat, repeats every value at connect and again at each reconnect', async () => {
    const of = await runDriver(sim, {});
    const birth = await eventually('the repeat at connect', () => of('temp_sp').find((e) => e.r.r));
    expect(birth.r.t).toBeGreaterThan(of('temp_sp').find((e) => !e.r.r)!.r.t);
    await sim.disconnect();
    await sim.reconnect();
    const back = Date.now();
    const again = await eventually('the repeat after the reconnect', () => of('temp_sp', back).find((e) => e.r.r), 15_000);
    expect(again.r).toMatchObject({ v: birth.r.v, r: true });
    expect(again.r.t).toBeGreaterThanOrEqual(back);
  });
});
