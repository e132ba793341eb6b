import mqtt from 'mqtt';
import { topics, type ReadingBatch } from '../../common/contracts/index.js';
import type { InfluxV1Client } from '../../common/influx/v1-client.js';
import { queryPoints } from '../../common/influx/layout.js';

/**
 * A known numbered sequence in the gateway's wire format, for fault tests: message i of `messages`
 * carries readings i*perMessage .. (i+1)*perMessage-1 of parameter `n`, value = number, time = t0 + number.
 */
export interface Sequence { site: string; equipment: string; messages: number; perMessage: number; t0: number }

export const sequence = (site: string, equipment: string, messages: number, perMessage: number): Sequence =>
  ({ site, equipment, messages, perMessage, t0: Date.now() - 3_600_000 });

export function sequencePayload(s: Sequence, i: number): string {
  const readings: ReadingBatch['readings'] = [];
  for (let k = 0; k < s.perMessage; k++) {
    const n = i * s.perMessage + k;
    readings.push({ p: 'n', v: n, t: s.t0 + n });
  }
  return JSON.stringify({ gateway: 'gw-seq', seq: i, readings } satisfies ReadingBatch);
}

/**
 * Publishes the sequence at QoS 1 with a persistent session, so messages not yet PUBACKed are resent
 * after a reconnect; `between(i)` runs before message i (to inject faults). Resolves when all are acknowledged.
 */
export async function publishSequence(url: string, s: Sequence, options: { clientId: string; username?: string; password?: string; between?: (i: number) => Promise<void> | void; extra?: (i: number, client: mqtt.MqttClient) => void }): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: options.clientId, username: options.username, password: options.password, protocolVersion: 4, clean: false, reconnectPeriod: 200 });
  try {
    const acked: Promise<unknown>[] = [];
    for (let i = 0; i < s.messages; i++) {
      await options.between?.(i);
      options.extra?.(i, client);
      acked.push(client.publishAsync(topics.data(s.site, s.equipment), sequencePayload(s, i), { qos: 1 }));
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(acked);
  } finally {
    await client.endAsync();
  }
}

/** Compares InfluxDB with the sequence point by point: which numbers are missing, which are stored more than once or wrong. */
export async function checkSequence(influx: InfluxV1Client, s: Sequence): Promise<{ stored: number; missing: number[]; duplicated: number[]; wrong: number[] }> {
  const total = s.messages * s.perMessage;
  const points = await queryPoints(influx, { equipment: s.equipment, parameter: 'n', from: s.t0, to: s.t0 + total }, total * 2 + 10);
  const seen = new Map<number, number>();
  const wrong: number[] = [];
  for (const p of points) {
    const n = p.t - s.t0;
    if (p.v !== n) wrong.push(n);
    seen.set(n, (seen.get(n) ?? 0) + 1);
  }
  const missing: number[] = [];
  for (let n = 0; n < total; n++) if (!seen.has(n)) missing.push(n);
  const duplicated = [...seen].filter(([, c]) => c > 1).map(([n]) => n);
  return { stored: points.length, missing, duplicated, wrong };
}
