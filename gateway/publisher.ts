import type { MqttClient } from 'mqtt';
import { connectMqtt } from '../common/runtime/mqtt-client.js';
import { Birth, GatewayStatus, ReadingBatch, topics, type Reading } from '../common/contracts/index.js';
import type { Logger } from '../common/runtime/logger.js';
import type { GatewayConfig } from './config.js';

/**
 * The gateway's MQTT side: retained online/offline status with the offline one as the will,
 * retained births on every (re)connect, reading batches at QoS 1. Payloads are validated against
 * the contract before they leave, so a driver bug shows here and not in ingest's dead letters.
 */
export class Publisher {
  private client: MqttClient | undefined;
  private seq = 0;
  private births = new Map<string, Birth>();

  constructor(private readonly config: GatewayConfig, private readonly logger: Logger) {}

  private get statusTopic() {
    return topics.status(this.config.gateway.site, this.config.gateway.id);
  }

  async start(): Promise<void> {
    const { mqtt: m, gateway } = this.config;
    const offline: GatewayStatus = { gateway: gateway.id, state: 'offline' };
    this.client = connectMqtt(m.url, {
      clientId: `pilothub-gw-${gateway.id}`,
      username: m.username, password: m.password,
      keepalive: m.keepaliveSeconds, clean: true,
      will: { topic: this.statusTopic, payload: Buffer.from(JSON.stringify(offline)), qos: 1, retain: true },
    });
    this.client.on('connect', () => {
      this.logger.info({ url: m.url }, 'connected to broker');
      this.publishStatus('online');
      for (const birth of this.births.values()) this.publishBirth(birth);
    });
    this.client.on('offline', () => this.logger.warn({ url: m.url }, 'broker unreachable; retrying'));
    this.client.on('error', (err) => this.logger.warn({ err: err.message }, 'mqtt error'));
  }

  /** Remembers the birth (resent on reconnect) and publishes it now. */
  setBirth(birth: Birth): void {
    const valid = Birth.parse(birth);
    this.births.set(valid.equipment.id, valid);
    this.publishBirth(valid);
  }

  publishReadings(equipment: string, readings: Reading[]): void {
    if (readings.length === 0) return;
    const batch = ReadingBatch.parse({ gateway: this.config.gateway.id, seq: this.seq++, readings });
    this.client?.publish(topics.data(this.config.gateway.site, equipment), JSON.stringify(batch), { qos: 1 });
  }

  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    if (client.connected) await this.publishStatusAsync('offline');
    await client.endAsync();
  }

  private publishBirth(birth: Birth): void {
    if (!this.client?.connected) return;
    this.client.publish(topics.birth(this.config.gateway.site, birth.equipment.id), JSON.stringify(birth), { qos: 1, retain: true });
  }

  private publishStatus(state: GatewayStatus['state']): void {
    this.client?.publish(this.statusTopic, JSON.stringify({ gateway: this.config.gateway.id, state }), { qos: 1, retain: true });
  }

  private async publishStatusAsync(state: GatewayStatus['state']): Promise<void> {
    await this.client?.publishAsync(this.statusTopic, JSON.stringify({ gateway: this.config.gateway.id, state }), { qos: 1, retain: true });
  }
}
