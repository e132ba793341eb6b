import { describe, expect, it } from 'vitest';
import { teardown } from './helpers/teardown.js';
import type { Reading } from '../common/contracts/index.js';
import { createLogger } from '../common/runtime/logger.js';
import { freePort } from '../common/runtime/ports.js';
import { opcuaDriver } from '../gateway/drivers/opcua/driver.js';
import { reactorNodeId, startReactor } from '../simulators/reactor/index.js';
import { reactor } from './helpers/reactor.js';
import { eventually, tempDir } from './helpers/servers.js';

const TEMP = reactorNodeId('Measurements', 'ReactorTemperature');
const MISSING = 'ns=1;s=R101.NoSuchNode';

/** A driver with the device's defaults (reconnect backoff included) that records its readings and health reports. */
async function startDriver(endpointUrl: string, parameters: unknown[]) {
  const emitted: { at: number; readings: Reading[] }[] = [];
  const device: { at: number; problem: string | undefined }[] = [];
  const parts: { part: string; problem: string | undefined }[] = [];
  const driver = opcuaDriver.create(opcuaDriver.deviceSchema.parse({
    id: 'reactor-1', name: 'Reactor', protocol: 'opcua', endpointUrl, publishingIntervalMs: 300, samplingIntervalMs: 100, parameters,
  }), {
    logger: createLogger('opcua-health-test'),
    emit: (readings) => emitted.push({ at: Date.now(), readings }),
    dataDir: tempDir('pilothub-gw-'),
    health: { device: (problem) => device.push({ at: Date.now(), problem }), part: (part, problem) => parts.push({ part, problem }) },
  });
  await driver.start();
  teardown(() => driver.stop());
  const good = (since: number) => emitted.filter((e) => e.at >= since).flatMap((e) => e.readings).filter((r) => r.p === 'reactor_temp' && r.q === undefined && !r.r);
  const lastDevice = () => device.at(-1);
  return { good, device, parts, lastDevice };
}

describe('opcua driver health reporting', () => {
  it('reports the device unreachable until data flows, again when the server goes, and an unknown node as a part fault', async () => {
    const port = await freePort();
    const d = await startDriver(`opc.tcp://127.0.0.1:${port}`, [
      { id: 'reactor_temp', name: 'T', nodeId: TEMP },
      { id: 'missing', name: 'No such node', nodeId: MISSING },
    ]);
    await eventually('the device reported unreachable', () => d.lastDevice()?.problem?.includes(`no answer from opc.tcp://127.0.0.1:${port}`) || undefined);

    const sim = await startReactor({ port, dataDir: tempDir('pilothub-reactor-') });
    teardown(() => sim.stop());
    await eventually('the device reported answering', () => (d.lastDevice() && d.lastDevice()!.problem === undefined ? true : undefined));
    expect(d.good(0).length).toBeGreaterThan(0);
    expect(d.parts).toContainEqual({ part: `node ${MISSING}`, problem: expect.stringMatching(/BadNodeIdUnknown/) });
    // The other node is not a part fault: one unknown node does not take the device down.
    expect(d.parts.filter((p) => p.part !== `node ${MISSING}`)).toEqual([]);

    await sim.disconnect();
    await eventually('the device reported unreachable again', () => (d.lastDevice()?.problem ? d.lastDevice() : undefined));
    expect(d.lastDevice()!.problem).toMatch(/no answer from opc\.tcp:\/\/127\.0\.0\.1:\d+|session closed by server/);
    await sim.reconnect();
    const back = Date.now();
    await eventually('the device reported answering again', () => (d.lastDevice()!.problem === undefined ? true : undefined), 15_000);
    expect(d.good(back).length).toBeGreaterThan(0);
  });
});

describe('opcua driver after a server outage', () => {
  it('gets data flowing within 5 s of the server\'s return, with the default reconnect settings', async () => {
    const sim = await reactor();
    const d = await startDriver(sim.endpointUrl, [{ id: 'reactor_temp', name: 'T', nodeId: TEMP }]);
    await eventually('good data', () => d.good(0).at(0));
    // Longer than the first four backoff steps of node-opcua's defaults (1+2+4+8 s): the mechanism that made a
    // 40 s outage lose 16-29 s more data than the outage itself.
    const OUTAGE_MS = 16_000;
    await sim.disconnect();
    const downAt = Date.now();
    const lastBefore = d.good(0).at(-1)!;
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await sim.reconnect();
    const backAt = Date.now();
    const firstAfter = await eventually('good data after the return', () => d.good(backAt).at(0), 30_000);
    const resumedAt = Date.now();
    expect(resumedAt - backAt, 'time from the server\'s return to the first good reading').toBeLessThan(5_000);
    expect(firstAfter.t - lastBefore.t, 'data lost').toBeLessThanOrEqual(backAt - downAt + 5_000);
  }, 60_000);
});
