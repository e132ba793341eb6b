import type { Socket } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { splitMqttUrls } from './mqtt-urls.js';

type ServerProtocol = 'mqtt' | 'mqtts' | 'ws' | 'wss';
/** mqtt-urls.ts' schemes as mqtt.js' `servers` names them, with their default ports. */
const SCHEMES: Record<string, { protocol: ServerProtocol; port: number }> = {
  mqtt: { protocol: 'mqtt', port: 1883 }, tcp: { protocol: 'mqtt', port: 1883 }, mqtts: { protocol: 'mqtts', port: 8883 },
  tls: { protocol: 'mqtts', port: 8883 }, ws: { protocol: 'ws', port: 80 }, wss: { protocol: 'wss', port: 443 },
};

/**
 * Connects with MQTT 3.1.1 (aedes speaks nothing newer) and turns Nagle off on every (re)connect:
 * without TCP_NODELAY each QoS 1 round trip waits ~40 ms for delayed ACKs.
 * `url` may list several brokers separated by commas (mqtt-urls.ts), the nodes of one cluster: mqtt.js' `servers`
 * then connects to the first and to the next one on each reconnect, so a dead node is left within one reconnect period.
 */
export function connectMqtt(url: string, options: IClientOptions): MqttClient {
  const urls = splitMqttUrls(url);
  const servers = urls.length > 1 ? urls.map((u) => {
    const parsed = new URL(u);
    const scheme = SCHEMES[parsed.protocol.replace(/:$/, '')] ?? SCHEMES.mqtt!;
    return { host: parsed.hostname, port: Number(parsed.port) || scheme.port, protocol: scheme.protocol };
  }) : undefined;
  const client = mqtt.connect(urls[0] ?? url, { protocolVersion: 4, reconnectPeriod: 1000, connectTimeout: 5000, ...(servers ? { servers } : {}), ...options });
  client.on('connect', () => (client.stream as Partial<Socket>).setNoDelay?.(true));
  return client;
}
