import mqtt, { type MqttClient } from 'mqtt';

/**
 * The subscriber of the gateway-scale bench: counts readings of distinct batches (a QoS 1 batch may arrive twice)
 * and the delay from a batch's first reading (its poll's start) to its arrival here.
 */
export class DeliveryCounter {
  readings = 0;
  duplicates = 0;
  private readonly seen = new Set<number>();
  private latencies: number[] = [];

  private constructor(private readonly client: MqttClient) {
    client.on('message', (_topic, payload) => {
      const batch = JSON.parse(String(payload)) as { seq: number; readings: { t: number }[] };
      if (this.seen.has(batch.seq)) return void this.duplicates++;
      this.seen.add(batch.seq);
      this.readings += batch.readings.length;
      this.latencies.push(Date.now() - batch.readings[0]!.t);
    });
  }

  static async connect(url: string, site: string): Promise<DeliveryCounter> {
    const client = await mqtt.connectAsync(url, { protocolVersion: 4 });
    await client.subscribeAsync(`pilothub/v1/${site}/+/data`, { qos: 1 });
    return new DeliveryCounter(client);
  }

  /** p99 of the latencies since the last call, in ms, and starts a new window. */
  takeP99(): number {
    const sorted = this.latencies.sort((a, b) => a - b);
    this.latencies = [];
    return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]! : NaN;
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
