import type { Socket } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/**
 * Connects with MQTT 3.1.1 (aedes speaks nothing newer) and turns Nagle off on every (re)connect:
 * without TCP_NODELAY each QoS 1 round trip waits ~40 ms for delayed ACKs.
 */
export function connectMqtt(url: string, options: IClientOptions): MqttClient {
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 1000, connectTimeout: 5000, ...options });
  client.on('connect', () => (client.stream as Partial<Socket>).setNoDelay?.(true));
  return client;
}
