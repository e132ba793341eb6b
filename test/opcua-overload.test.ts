import { Writable } from 'node:stream';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DeviceState, topics } from '../common/contracts/index.js';
import { opcuaDriver } from '../gateway/drivers/opcua/driver.js';
import { reactor } from './helpers/reactor.js';
import { broker, eventually, gateway, tempDir } from './helpers/servers.js';
import { teardown } from './helpers/teardown.js';

const SITE = 'hall-ua-ov';
const TEMP = 'ns=1;s=R101.Measurements.ReactorTemperature';

/**
 * The reactor's temperature changes every 100 ms; sampled every 100 ms and published every 2 s, a queue of 2 keeps
 * 2 of ~20 samples: the server flags the rest as overflowed (Part 4 §5.12.1.5). A queue of 40 keeps them all.
 */
const yaml = (mqttUrl: string, endpointUrl: string) => `gateway: { id: gw-ua-ov, site: ${SITE} }
mqtt: { url: "${mqttUrl}" }
devices:
  - id: reactor-short-queue
    name: Reactor, queue too short
    protocol: opcua
    endpointUrl: ${endpointUrl}
    publishingIntervalMs: 2000
    samplingIntervalMs: 100
    queueSize: 2
    parameters:
      - { id: reactor_temp, name: Reactor temperature, unit: °C, nodeId: "${TEMP}" }
  - id: reactor-long-queue
    name: Reactor, queue long enough
    protocol: opcua
    endpointUrl: ${endpointUrl}
    publishingIntervalMs: 2000
    samplingIntervalMs: 100
    queueSize: 40
    parameters:
      - { id: reactor_temp, name: Reactor temperature, unit: °C, nodeId: "${TEMP}" }
`;

/** Issue #20: a subscription that loses samples at the server says so; one that keeps up does not. */
describe('gateway overload on OPC UA subscriptions', () => {
  it('reports queue overflows in the retained device state and the metrics, only for the device whose server discards samples', async () => {
    const mqttBroker = await broker();
    const sim = await reactor();
    const states = new Map<string, DeviceState>();
    const observer = await mqtt.connectAsync(mqttBroker.url, { protocolVersion: 4 });
    teardown(() => observer.endAsync());
    observer.on('message', (topic, payload) => {
      const device = topic.split('/')[3]!;
      states.set(device, DeviceState.parse(JSON.parse(String(payload))));
    });
    await observer.subscribeAsync([topics.state(SITE, 'reactor-short-queue'), topics.state(SITE, 'reactor-long-queue')], { qos: 1 });

    const gw = await gateway(yaml(mqttBroker.url, sim.endpointUrl), {});
    const metric = async (name: string, device: string) =>
      (await gw.metrics.registry.getSingleMetric(name)!.get()).values.find((v) => v.labels.device === device)?.value ?? 0;

    const lag = await eventually('queue overflows in the retained device state', () => states.get('reactor-short-queue')?.lag, 20_000);
    expect(lag.queueOverflows).toBeGreaterThan(0);
    expect(lag.intervalMs).toBe(2000);
    expect(await metric('pilothub_gateway_queue_overflows_total', 'reactor-short-queue')).toBeGreaterThan(0);
    expect(await metric('pilothub_gateway_device_lagging', 'reactor-short-queue')).toBe(1);

    // The same server, the same values, a queue that covers a publishing interval: several publishes, no lag.
    await eventually('the long-queue device reachable', () => (states.get('reactor-long-queue')?.state === 'reachable' ? true : undefined));
    await new Promise((r) => setTimeout(r, 5000));
    expect(states.get('reactor-long-queue')?.lag).toBeUndefined();
    expect(await metric('pilothub_gateway_queue_overflows_total', 'reactor-long-queue')).toBe(0);
  }, 60_000);

  it('warns once when a queue of one drops the samples between publishes, which no Overflow bit would report', async () => {
    const sim = await reactor();
    const start = async (queueSize: number) => {
      const logs: { msg: string; level: number }[] = [];
      const sink = new Writable({ write(chunk: Buffer, _enc, done) { logs.push(JSON.parse(chunk.toString()) as { msg: string; level: number }); done(); } });
      const driver = opcuaDriver.create(opcuaDriver.deviceSchema.parse({
        id: `reactor-q${queueSize}`, name: 'Reactor', protocol: 'opcua', endpointUrl: sim.endpointUrl, publishingIntervalMs: 1000, samplingIntervalMs: 100, queueSize,
        parameters: [{ id: 'reactor_temp', name: 'T', nodeId: TEMP }],
      }), { logger: pino({ level: 'info' }, sink), emit: () => undefined, dataDir: tempDir('pilothub-gw-') });
      teardown(() => driver.stop());
      await driver.start();
      return logs;
    };
    const single = await start(1);
    const warning = await eventually('the silent-queue warning', () => single.find((l) => l.msg.includes('dropped without an overflow flag')));
    expect(warning.level).toBe(40);
    expect(warning.msg).toContain('sampled every 100 ms and published every 1000 ms');
    const ten = await start(10);
    await new Promise((r) => setTimeout(r, 1500));
    expect(ten.filter((l) => l.msg.includes('overflow flag'))).toEqual([]);
  }, 60_000);
});
