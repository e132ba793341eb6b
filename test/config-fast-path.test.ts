import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { modbusDevicesYaml, TAGS_PER_UNIT } from '../bench/lib/modbus-layout.js';
import { parseFast } from '../common/runtime/config-file.js';
import { GatewayConfig, parseGatewayConfig } from '../gateway/config.js';

/** What the positional parser alone (the `yaml` document model) makes of a file: the reference the fast path must equal. */
function referenceParse(text: string): GatewayConfig {
  return GatewayConfig.parse(parse(text, { uniqueKeys: true }));
}

const vars = { PILOTHUB_MQTT_URL: 'mqtt://127.0.0.1:1883', MODBUS_HOST: '127.0.0.1', OPCUA_ENDPOINT: 'opc.tcp://127.0.0.1:4840' };
const substitute = (text: string) => text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback?: string) => vars[name as keyof typeof vars] ?? fallback ?? '');

describe('gateway config fast path (valid files parsed without positions)', () => {
  it.each(['config/gateway.example.yaml', 'gateway/drivers/modbus/sample.yaml', 'gateway/drivers/opcua/sample.yaml'])('reads %s exactly as the positional parser does', (file) => {
    const text = readFileSync(file, 'utf8');
    // The fast path itself reads it (a refusal would fall back to the reference and pass unseen).
    expect(parseFast(substitute(text), GatewayConfig)?.data).toEqual(referenceParse(substitute(text)));
    expect(parseGatewayConfig(text, file, vars)).toEqual(referenceParse(substitute(text)));
  });

  it('reads a generated bench config (four devices of float32, CDAB int32, bits and coils) exactly as the positional parser does', () => {
    const text = `gateway: { id: gw-scale, site: s1 }\nmqtt: { url: "mqtt://127.0.0.1:1883" }\ndevices:\n${modbusDevicesYaml([20000, 20001], 2, 1000)}\n`;
    expect(parseFast(text, GatewayConfig)).not.toBeNull();
    const fast = parseGatewayConfig(text, 'generated.yaml');
    expect(fast.devices.length).toBe(4);
    expect(fast.devices.reduce((n, d) => n + d.parameters.length, 0)).toBe(4 * TAGS_PER_UNIT);
    expect(fast).toEqual(referenceParse(text));
  });

  it('leaves to the positional parser what js-yaml would read differently: a %YAML 1.1 directive, explicit tags', () => {
    const device = (address: string) => `gateway: { id: gw, site: s1 }\nmqtt: { url: "mqtt://127.0.0.1:1883" }\ndevices:\n  - id: d1\n    name: D\n    protocol: modbus\n    connection: { transport: tcp, host: 127.0.0.1, port: 502 }\n    parameters:\n      - { id: p, name: P, table: holding, address: ${address}, type: int16 }\n`;
    const yaml11 = `%YAML 1.1\n---\n${device('010')}`;
    expect(parseFast(yaml11, GatewayConfig)).toBeNull();
    // YAML 1.1 reads 010 as octal: the register the file means is 8, whatever parser runs.
    expect((parseGatewayConfig(yaml11, 'v11.yaml').devices[0]!.parameters[0] as { address: number }).address).toBe(8);
    expect(parseFast(device('!!int 0b11'), GatewayConfig)).toBeNull();
    expect(parseFast(device('10'), GatewayConfig)).not.toBeNull();
  });

  it('still reports a duplicate key and a schema problem with their lines', () => {
    const duplicate = 'gateway: { id: gw, site: s1 }\nmqtt: { url: "mqtt://127.0.0.1:1883" }\nmqtt: { url: "mqtt://127.0.0.1:1884" }\ndevices: []\n';
    expect(() => parseGatewayConfig(duplicate, 'dup.yaml')).toThrow(/dup\.yaml:3:/);
    const invalid = 'gateway: { id: gw, site: s1 }\nmqtt: { url: "mqtt://127.0.0.1:1883" }\ndevices:\n  - id: d1\n    protocol: modbus\n    bogus: 1\n';
    expect(() => parseGatewayConfig(invalid, 'bad.yaml')).toThrow(/bad\.yaml:\d+:\d+ devices\[0\]/);
  });
});
