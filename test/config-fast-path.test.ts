import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { modbusDevicesYaml, TAGS_PER_UNIT } from '../bench/lib/modbus-layout.js';
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
    expect(parseGatewayConfig(text, file, vars)).toEqual(referenceParse(substitute(text)));
  });

  it('reads a generated bench config (four devices of float32, CDAB int32, bits and coils) exactly as the positional parser does', () => {
    const text = `gateway: { id: gw-scale, site: s1 }\nmqtt: { url: "mqtt://127.0.0.1:1883" }\ndevices:\n${modbusDevicesYaml([20000, 20001], 2, 1000)}\n`;
    const fast = parseGatewayConfig(text, 'generated.yaml');
    expect(fast.devices.length).toBe(4);
    expect(fast.devices.reduce((n, d) => n + d.parameters.length, 0)).toBe(4 * TAGS_PER_UNIT);
    expect(fast).toEqual(referenceParse(text));
  });

  it('still reports a duplicate key and a schema problem with their lines', () => {
    const duplicate = 'gateway: { id: gw, site: s1 }\nmqtt: { url: "mqtt://127.0.0.1:1883" }\nmqtt: { url: "mqtt://127.0.0.1:1884" }\ndevices: []\n';
    expect(() => parseGatewayConfig(duplicate, 'dup.yaml')).toThrow(/dup\.yaml:3:/);
    const invalid = 'gateway: { id: gw, site: s1 }\nmqtt: { url: "mqtt://127.0.0.1:1883" }\ndevices:\n  - id: d1\n    protocol: modbus\n    bogus: 1\n';
    expect(() => parseGatewayConfig(invalid, 'bad.yaml')).toThrow(/bad\.yaml:\d+:\d+ devices\[0\]/);
  });
});
