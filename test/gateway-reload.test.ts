import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { teardown } from './helpers/teardown.js';
import { Birth } from '../common/contracts/index.js';
import { startGatewayFromFile, type ReloadResult } from '../gateway/watch.js';
import { broker, eventually, sprayDryer, tempDir } from './helpers/servers.js';

const config = (dryerName: string, extruderPoll: number) => `gateway: { id: gw-reload, site: hall-r }
mqtt: { url: "\${MQTT_URL}" }
metrics: { port: 0 }
devices:
  - id: dryer-1
    name: ${dryerName}
    protocol: modbus
    connection: { transport: tcp, host: 127.0.0.1, port: \${DRYER_PORT} }
    pollIntervalMs: 200
    parameters:
      - { id: inlet_temp, name: Inlet, unit: °C, table: input, address: 0, type: float32 }
  - id: dryer-2
    name: Second dryer
    protocol: modbus
    connection: { transport: tcp, host: 127.0.0.1, port: \${DRYER_PORT} }
    pollIntervalMs: ${extruderPoll}
    parameters:
      - { id: outlet_temp, name: Outlet, unit: °C, table: input, address: 2, type: float32 }
`;

describe('gateway config reload and /metrics', () => {
  it('applies a valid change to the changed device only, keeps running on an invalid file, and serves /metrics', async () => {
    const mqttBroker = await broker();
    const dryer = await sprayDryer();
    const file = join(tempDir(), 'gateway.yaml');
    writeFileSync(file, config('Spray dryer', 200));
    const births: Birth[] = [];
    const observer = await mqtt.connectAsync(mqttBroker.url, { protocolVersion: 4 });
    teardown(() => observer.endAsync());
    observer.on('message', (_t, payload) => births.push(Birth.parse(JSON.parse(String(payload)))));
    await observer.subscribeAsync('pilothub/v1/hall-r/+/birth', { qos: 1 });

    const gw = await startGatewayFromFile(file, { MQTT_URL: mqttBroker.url, DRYER_PORT: String(dryer.port) }, { dataDir: tempDir() });
    teardown(() => gw.stop());
    const results: ReloadResult[] = [];
    gw.onReload((r) => results.push(r));
    await eventually('both births', () => (new Set(births.map((b) => b.equipment.id)).size === 2 ? true : undefined));
    const birthsBefore = births.length;

    // An invalid file: reported with its line, the running configuration stays.
    writeFileSync(file, config('Spray dryer', 200).replace('type: float32 }', 'type: float23 }'));
    const invalid = await eventually('the invalid file reported', () => results.find((r) => !r.ok));
    expect(invalid.ok).toBe(false);
    if (!invalid.ok) expect(invalid.problems).toContainEqual(expect.objectContaining({ file, line: 11, path: 'devices[0].parameters[0].type' }));
    expect(JSON.stringify(gw.config().devices[0]?.parameters[0])).toContain('"type":"float32"');

    // A valid change of dryer-1 only: dryer-1 restarts and its birth is republished, dryer-2 is untouched.
    writeFileSync(file, config('Spray dryer SD-1 (renamed)', 200));
    const applied = await eventually('the valid file applied', () => results.find((r) => r.ok));
    expect(applied).toEqual({ ok: true, restartedGateway: false, devices: { added: [], changed: ['dryer-1'], removed: [] } });
    const renamed = await eventually('the new birth', () => births.slice(birthsBefore).find((b) => b.equipment.id === 'dryer-1'));
    expect(renamed.equipment.name).toBe('Spray dryer SD-1 (renamed)');
    expect(births.slice(birthsBefore).some((b) => b.equipment.id === 'dryer-2')).toBe(false);

    const text = await eventually('metrics with readings', async () => {
      const body = await (await fetch(gw.metricsUrl!)).text();
      return /pilothub_gateway_requests_total\{device="dryer-2"\} [1-9]/.test(body) ? body : undefined;
    });
    expect(text).toMatch(/pilothub_gateway_readings_total\{device="dryer-1",quality="good"\} [1-9]/);
    expect(text).toContain('pilothub_gateway_queue_messages');
    expect(text).toMatch(/pilothub_gateway_publish_latency_seconds_count [1-9]/);
    expect(text).toMatch(/pilothub_gateway_config_reloads_total\{result="invalid"\} 1/);
    expect(text).toMatch(/pilothub_gateway_config_reloads_total\{result="applied"\} 1/);
  });
});
