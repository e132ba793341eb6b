import { describe, expect, it } from 'vitest';
import { ConfigError } from '../common/runtime/config-file.js';
import { connectMqtt } from '../common/runtime/mqtt-client.js';
import { MqttUrls } from '../common/runtime/mqtt-urls.js';
import { freePort } from '../common/runtime/ports.js';
import { parseGatewayConfig } from '../gateway/config.js';
import { broker, eventually } from './helpers/pipeline.js';
import { teardown } from './helpers/teardown.js';

const gatewayYaml = (url: string) => `gateway: { id: gw-1, site: hall-a }
mqtt:
  url: ${url}
devices:
  - id: dryer-1
    name: Spray dryer
    protocol: modbus
    connection: { transport: tcp, host: 127.0.0.1, port: 5020 }
    parameters:
      - { id: inlet_temp, name: Inlet, table: input, address: 0, type: float32 }
`;

describe('several broker URLs (the nodes of a clustered broker)', () => {
  it('accepts a comma-separated list where one URL was accepted, and names a bad entry by its position', () => {
    expect(MqttUrls.safeParse('mqtt://a:1883, mqtt://b:1883,mqtts://c:8883').success).toBe(true);
    expect(MqttUrls.safeParse(' , ').error?.issues[0]?.message).toMatch(/names no broker/);
    let problems: ConfigError['problems'] = [];
    try { parseGatewayConfig(gatewayYaml('"mqtt://a:1883,http://b:1883"'), 'gw.yaml'); } catch (err) { if (err instanceof ConfigError) problems = err.problems; }
    expect(problems.map((p) => `${p.line} ${p.path}: ${p.message}`)).toEqual(['3 mqtt.url: entry 2 "http://b:1883" must be an MQTT URL such as mqtt://host:1883 or mqtts://host:8883']);
    expect(parseGatewayConfig(gatewayYaml('mqtt://a:1883'), 'gw.yaml').mqtt.url).toBe('mqtt://a:1883');
  });

  it('connects to the next broker of the list when the first is down, and back round when that one goes', async () => {
    const deadPort = await freePort();
    const second = await broker();
    const client = connectMqtt(`mqtt://127.0.0.1:${deadPort},${second.url}`, { clientId: 'failover-probe', reconnectPeriod: 100 });
    teardown(() => client.endAsync(true));
    const ports: number[] = [];
    client.on('connect', () => ports.push((client.stream as unknown as { remotePort: number }).remotePort));
    await eventually('connected to the second broker', () => (ports.length ? true : undefined));
    expect(ports).toEqual([second.port]);
    const first = await broker({ port: deadPort });
    await second.stop();
    await eventually('connected to the first broker once the second stopped', () => (ports.length === 2 ? true : undefined));
    expect(ports).toEqual([second.port, first.port]);
  });
});
