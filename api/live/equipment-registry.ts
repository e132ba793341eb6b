import type { MqttClient } from 'mqtt';
import { connectMqtt } from '../../common/runtime/mqtt-client.js';
import { Birth, GatewayStatus, parseTopic, ReadingBatch, topicFilters, type Quality, type ReadingValue } from '../../common/contracts/index.js';
import type { Logger } from '../../common/runtime/logger.js';

export interface LiveValue { v: ReadingValue | null; t: number; q: Quality }

export interface EquipmentEntry {
  id: string;
  site: string;
  birth: Birth;
  lastSeen: number | undefined;
  values: Map<string, LiveValue>;
}

/**
 * What the API knows live from the broker: births (retained, so a fresh subscriber gets them all),
 * gateway status (retained, with the offline LWT) and the latest value of every parameter.
 */
export class EquipmentRegistry {
  private readonly equipment = new Map<string, EquipmentEntry>();
  private readonly gatewayState = new Map<string, GatewayStatus['state']>();
  private client: MqttClient | undefined;
  private readonly listeners = new Set<(equipmentId: string) => void>();

  constructor(private readonly logger: Logger) {}

  connect(url: string, credentials: { username?: string; password?: string } = {}): Promise<void> {
    const client = connectMqtt(url, { clientId: `pilothub-api-${process.pid}-${Math.random().toString(16).slice(2, 8)}`, clean: true, ...credentials });
    this.client = client;
    client.on('message', (topic, payload) => this.handle(topic, payload));
    client.on('error', (err) => this.logger.warn({ err: err.message }, 'api mqtt error'));
    return new Promise((resolve) => {
      client.on('connect', () => {
        client.subscribe([topicFilters.allBirths, topicFilters.allStatus, topicFilters.allData], { qos: 0 }, () => resolve());
      });
    });
  }

  get brokerConnected(): boolean {
    return this.client?.connected ?? false;
  }

  list(): EquipmentEntry[] {
    return [...this.equipment.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  get(id: string): EquipmentEntry | undefined {
    return this.equipment.get(id);
  }

  isOnline(entry: EquipmentEntry): boolean {
    return this.gatewayState.get(`${entry.site}/${entry.birth.gateway}`) === 'online';
  }

  /** Called with the equipment id whenever its values, birth or gateway state change. */
  onChange(listener: (equipmentId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.client?.endAsync();
  }

  private handle(topicName: string, payload: Buffer): void {
    const topic = parseTopic(topicName);
    if ('error' in topic) return;
    let json: unknown;
    try { json = JSON.parse(payload.toString('utf8')); } catch { return; }
    if (topic.kind === 'birth') {
      const birth = Birth.safeParse(json);
      if (!birth.success) return void this.logger.warn({ topic: topicName }, 'ignoring invalid birth');
      const previous = this.equipment.get(topic.equipment);
      if (previous && previous.site !== topic.site) this.logger.warn({ equipmentId: topic.equipment, sites: [previous.site, topic.site] }, 'equipment id used on two sites; the newer birth wins');
      this.equipment.set(topic.equipment, { id: topic.equipment, site: topic.site, birth: birth.data, lastSeen: previous?.lastSeen, values: previous?.values ?? new Map() });
      this.notify(topic.equipment);
    } else if (topic.kind === 'status') {
      const status = GatewayStatus.safeParse(json);
      if (!status.success) return;
      this.gatewayState.set(`${topic.site}/${topic.gateway}`, status.data.state);
      for (const e of this.equipment.values()) if (e.site === topic.site && e.birth.gateway === topic.gateway) this.notify(e.id);
    } else {
      const entry = this.equipment.get(topic.equipment);
      const batch = ReadingBatch.safeParse(json);
      if (!entry || !batch.success) return;
      for (const r of batch.data.readings) {
        const current = entry.values.get(r.p);
        if (!current || current.t <= r.t) entry.values.set(r.p, { v: r.v, t: r.t, q: r.q ?? 'good' });
        entry.lastSeen = Math.max(entry.lastSeen ?? 0, r.t);
      }
      this.notify(topic.equipment);
    }
  }

  private notify(equipmentId: string): void {
    for (const listener of this.listeners) listener(equipmentId);
  }
}
