import { z } from 'zod';
import { Identifier } from '../common/contracts/index.js';
import { MqttUrls } from '../common/runtime/mqtt-urls.js';
import { loadConfigFile, parseConfigText, type ParseOptions } from '../common/runtime/config-file.js';
import { deviceSchemas } from './drivers/index.js';

export const MqttConnection = z.strictObject({
  url: MqttUrls.describe('the broker, or the nodes of a clustered broker separated by commas (failover in turn)'),
  username: z.string().optional(),
  password: z.string().optional(),
  keepaliveSeconds: z.number().int().min(1).max(3600).default(30),
  ca: z.string().min(1).optional().describe('mqtts: PEM file of the CA that signed the broker certificate (default: the system CAs)'),
});

/** The store-and-forward queue (gateway/outbox.ts): where batches wait for the broker's PUBACK. */
export const BufferConfig = z.strictObject({
  maxMegabytes: z.number().min(1).max(1_000_000).default(256).describe('size limit of the on-disk queue; when full the oldest batches are dropped (counted, logged)'),
  maxInflight: z.number().int().min(1).max(65_000).default(100).describe('batches published and awaiting PUBACK at once'),
});

export const MetricsConfig = z.strictObject({
  port: z.number().int().min(0).max(65_535).describe('port of the Prometheus /metrics endpoint (0: any free port)'),
  host: z.string().min(1).default('127.0.0.1'),
});

/** The gateway's whole configuration: one YAML file (README "Gateway configuration"). */
export const GatewayConfig = z.strictObject({
  gateway: z.strictObject({
    id: Identifier.describe('this gateway, unique on the broker'),
    site: Identifier.describe('site (plant, hall) the equipment belongs to; first topic level after pilothub/v1'),
  }),
  mqtt: MqttConnection,
  buffer: BufferConfig.default({ maxMegabytes: 256, maxInflight: 100 }),
  metrics: MetricsConfig.optional(),
  devices: z.array(z.discriminatedUnion('protocol', deviceSchemas)).min(1),
}).superRefine((config, ctx) => {
  // Runs even when other fields are invalid (`when` below), so duplicates show up in the same report.
  const devices = Array.isArray(config.devices) ? (config.devices as Partial<GatewayConfig['devices'][number]>[]) : [];
  const seen = new Map<unknown, number>();
  devices.forEach((device, i) => {
    const first = seen.get(device?.id);
    if (typeof device?.id !== 'string') return;
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['devices', i, 'id'], message: `device id "${device.id}" is already used by devices[${first}]` });
    else seen.set(device.id, i);
    const params = new Map<string, number>();
    (Array.isArray(device.parameters) ? device.parameters : []).forEach((p: { id?: unknown }, j) => {
      if (typeof p?.id !== 'string') return;
      const firstParam = params.get(p.id);
      if (firstParam !== undefined) ctx.addIssue({ code: 'custom', path: ['devices', i, 'parameters', j, 'id'], message: `parameter id "${p.id}" is already used by parameters[${firstParam}]` });
      else params.set(p.id, j);
    });
  });
}, { when: () => true });
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
