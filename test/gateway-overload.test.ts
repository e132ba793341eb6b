import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { DeviceState, ReadingBatch, topics } from '../common/contracts/index.js';
import { broker, eventually, gateway, sprayDryer } from './helpers/servers.js';
import { teardown } from './helpers/teardown.js';

const SITE = 'hall-ov';
const DEVICE = 'dryer-ov';

/** Four requests per cycle (input, holding, coil, discrete): at 150 ms per answer a cycle takes ~600 ms. */
const yaml = (mqttUrl: string, dryerPort: number) => `gateway: { id: gw-ov, site: ${SITE} }
mqtt: { url: "${mqttUrl}" }
devices:
  - id: ${DEVICE}
    name: Spray dryer on a slow line
    protocol: modbus
    connection: { transport: tcp, host: 127.0.0.1, port: ${dryerPort} }
    pollIntervalMs: 100
    timeoutMs: 2000
    parameters:
      - { id: inlet_temp, name: Inlet, table: input, address: 0, type: float32 }
      - { id: outlet_temp, name: Outlet, table: input, address: 2, type: float32 }
      - { id: inlet_temp_sp, name: Setpoint, table: holding, address: 0, type: float32 }
      - { id: running, name: Running, table: coil, address: 0, type: bool }
      - { id: alarm, name: Alarm, table: discrete, address: 0, type: bool }
`;

/** Issue #20: overload is never silent, and what was read is still delivered. */
describe('gateway overload: a poll interval far shorter than the device can answer', () => {
  it('reports the lag in the retained device state and the metrics, clears it when the device keeps up, and delivers every reading it read', async () => {
    const mqttBroker = await broker();
    const dryer = await sprayDryer();
    dryer.faults.delayMs = 150;

    let delivered = 0;
    const seqs = new Set<number>();
    let state: DeviceState | undefined;
    const observer = await mqtt.connectAsync(mqttBroker.url, { protocolVersion: 4 });
    teardown(() => observer.endAsync());
    observer.on('message', (topic, payload) => {
      if (topic === topics.state(SITE, DEVICE)) return void (state = DeviceState.parse(JSON.parse(String(payload))));
      const batch = ReadingBatch.parse(JSON.parse(String(payload)));
      if (seqs.has(batch.seq)) return;
      seqs.add(batch.seq);
      delivered += batch.readings.length;
    });
    await observer.subscribeAsync([topics.state(SITE, DEVICE), topics.data(SITE, DEVICE)], { qos: 1 });

    const gw = await gateway(yaml(mqttBroker.url, dryer.port), {});
    const metric = async (name: string) => (await gw.metrics.registry.getSingleMetric(name)!.get()).values.find((v) => v.labels.device === DEVICE)?.value ?? 0;

    const lag = await eventually('lag in the retained device state', () => state?.lag);
    expect(state!.state).toBe('reachable');
    expect(lag.intervalMs).toBe(100);
    expect(lag.cycleMs).toBeGreaterThan(300);
    expect(lag.missedCycles).toBeGreaterThan(0);
    expect(await metric('pilothub_gateway_device_lagging')).toBe(1);
    expect(await metric('pilothub_gateway_poll_cycles_missed_total')).toBeGreaterThan(0);
    expect(await metric('pilothub_gateway_poll_cycle_seconds')).toBeGreaterThan(0.3);

    // The device answers at once again: after a few cycles on time the lag is gone from state and metric.
    dryer.faults.delayMs = 0;
    await eventually('lag cleared in the retained device state', () => (state && !state.lag ? true : undefined));
    expect(await metric('pilothub_gateway_device_lagging')).toBe(0);

    // Nothing read was lost: every reading the gateway acquired reached the subscriber once the queue drained.
    await gw.stop({ drainMs: 5000 });
    const acquired = (await gw.metrics.readings.get()).values.reduce((n, v) => n + v.value, 0);
    expect(acquired).toBeGreaterThan(0);
    await eventually('every acquired reading delivered', () => (delivered === acquired ? true : undefined), 5000)
      .catch(() => expect(delivered, 'readings delivered').toBe(acquired));
  }, 60_000);
});
