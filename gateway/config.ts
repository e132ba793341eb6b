import { z } from 'zod';
import { Identifier } from '../common/contracts/index.js';
import { loadConfigFile, parseConfigText, type ParseOptions } from '../common/runtime/config-file.js';
import { deviceSchemas } from './drivers/index.js';

export const MqttConnection = z.strictObject({
  url: z.string().regex(/^(mqtts?|tcp|tls|wss?):\/\/[^/]+/, 'must be an MQTT URL such as mqtt://host:1883 or mqtts://host:8883'),
  username: z.string().optional(),
  password: z.string().optional(),
  keepaliveSeconds: z.number().int().min(1).max(3600).default(30),
});

/** The gateway's whole configuration: one YAML file (README "Gateway configuration"). */
export const GatewayConfig = z.strictObject({
  gateway: z.strictObject({
    id: Identifier.describe('this gateway, unique on the broker'),
    site: Identifier.describe('site (plant, hall) the equipment belongs to; first topic level after pilothub/v1'),
  }),
  mqtt: MqttConnection,
  devices: z.array(z.discriminatedUnion('protocol', deviceSchemas)).min(1),
}).superRefine((config, ctx) => {
  const seen = new Map<string, number>();
  config.devices.forEach((device, i) => {
    const first = seen.get(device.id);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['devices', i, 'id'], message: `device id "${device.id}" is already used by devices[${first}]` });
    else seen.set(device.id, i);
    const params = new Map<string, number>();
    device.parameters.forEach((p, j) => {
      const firstParam = params.get(p.id);
      if (firstParam !== undefined) ctx.addIssue({ code: 'custom', path: ['devices', i, 'parameters', j, 'id'], message: `parameter id "${p.id}" is already used by parameters[${firstParam}]` });
      else params.set(p.id, j);
    });
  });
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;

/** Names the device a problem concerns, so a report over many devices reads at a glance. */
function deviceOf(path: PropertyKey[], data: unknown): string | undefined {
  if (path[0] !== 'devices' || typeof path[1] !== 'number') return undefined;
  const device = (data as { devices?: { id?: unknown }[] }).devices?.[path[1]];
  return typeof device?.id === 'string' ? `device "${device.id}"` : `device #${path[1] + 1}`;
}

export function loadGatewayConfig(file: string, vars: ParseOptions['vars'] = process.env): GatewayConfig {
  return loadConfigFile(file, GatewayConfig, { vars, subjectOf: deviceOf });
}

export function parseGatewayConfig(text: string, file: string, vars: ParseOptions['vars'] = {}): GatewayConfig {
  return parseConfigText(text, file, GatewayConfig, { vars, subjectOf: deviceOf });
}
