import { describe, expect, it } from 'vitest';
import { teardown } from './helpers/teardown.js';
import type { Reading } from '../common/contracts/index.js';
import { createLogger } from '../common/runtime/logger.js';
import { freePort } from '../common/runtime/ports.js';
import { opcuaDriver } from '../gateway/drivers/opcua/driver.js';
import { reactorNodeId } from '../simulators/reactor/index.js';
import { reactor } from './helpers/reactor.js';
import { eventually, tempDir } from './helpers/servers.js';
import { tcpRelay } from './helpers/tcp-relay.js';

/** A relay in front of the server whose link can be cut (connections reset and refused) and restored. */
async function cuttableLink(targetPort: number) {
  let cut = false;
  // Silent: bytes vanish without a reset, like a pulled cable behind a switch.
  let silent = false;
  const relay = await tcpRelay(targetPort, { accept: () => !cut, pass: (chunk) => (silent ? undefined : chunk) });
  return {
    url: `opc.tcp://127.0.0.1:${relay.port}`,
    cut: () => { cut = true; relay.cut(); },
    silence: () => { silent = true; },
    restore: () => { cut = false; silent = false; },
  };
}

/**
 * The reactor through `url` with fast keep-alive and reconnect; returns the readings emitted since a time. `device`
 * adds its parameters and any other settings.
 */
async function startDriver(url: string, device: Record<string, unknown>): Promise<(t: number) => Reading[]> {
  const emitted: { at: number; readings: Reading[] }[] = [];
  const driver = opcuaDriver.create(opcuaDriver.deviceSchema.parse({
    id: 'reactor-1', name: 'Reactor', protocol: 'opcua', endpointUrl: url,
    publishingIntervalMs: 300, samplingIntervalMs: 100, keepAliveIntervalMs: 1000, reconnect: { initialDelayMs: 200, maxDelayMs: 1000 },
    ...device,
  }), { logger: createLogger('opcua-link-test'), emit: (readings) => emitted.push({ at: Date.now(), readings }), dataDir: tempDir('pilothub-gw-') });
  await driver.start();
  teardown(() => driver.stop());
  return (t) => emitted.filter((e) => e.at >= t).flatMap((e) => e.readings);
}

describe('opcua link loss with the server still running', () => {
  it('publishes bad readings during the cut, then reactivates the same session and its subscription', async () => {
    const sim = await reactor();
    const link = await cuttableLink(sim.port);
    const readingsSince = await startDriver(link.url, {
      parameters: [
        { id: 'reactor_temp', name: 'T', nodeId: reactorNodeId('Measurements', 'ReactorTemperature') },
        { id: 'batch_state', name: 'State', nodeId: reactorNodeId('Status', 'BatchState'), datatype: 'string' },
      ],
    });
    const since = (t: number, id: string) => readingsSince(t).filter((r) => r.p === id);

    await eventually('good data', () => since(0, 'reactor_temp').find((r) => r.q === undefined));
    expect(sim.sessions()).toHaveLength(1);

    link.cut();
    const cutAt = Date.now();
    await eventually('bad readings of both parameters', () =>
      (['reactor_temp', 'batch_state'].every((id) => since(cutAt, id).some((r) => r.q === 'bad' && r.v === null)) ? true : undefined));
    link.restore();
    const restoredAt = Date.now();
    await eventually('good readings of both parameters again', () =>
      (['reactor_temp', 'batch_state'].every((id) => since(restoredAt, id).some((r) => r.q === undefined)) ? true : undefined), 30_000);
    // The session survived on the server and was reactivated (Part 4 §5.6.3), not replaced by a second one.
    expect(sim.sessions()).toHaveLength(1);
    const live = since(restoredAt, 'reactor_temp').filter((r) => r.q === undefined).length;
    await eventually('the subscription keeps delivering', () => (since(restoredAt, 'reactor_temp').filter((r) => r.q === undefined).length > live + 3 ? true : undefined));
  });

  it('notices a silent link (no reset: keep-alive and publish requests time out), publishes bad readings, and recovers', async () => {
    const sim = await reactor();
    const link = await cuttableLink(sim.port);
    const since = await startDriver(link.url, {
      requestTimeoutMs: 1500,
      parameters: [{ id: 'reactor_temp', name: 'T', nodeId: reactorNodeId('Measurements', 'ReactorTemperature') }],
    });

    await eventually('good data', () => since(0).find((r) => r.q === undefined));
    link.silence();
    const silentAt = Date.now();
    await eventually('bad readings while the link is silent', () => since(silentAt).find((r) => r.q === 'bad'), 30_000);
    link.restore();
    const restoredAt = Date.now();
    await eventually('good readings again', () => since(restoredAt).find((r) => r.q === undefined), 40_000);
  });
});
