import { describe, expect, it } from 'vitest';
import type { Account } from '../broker/accounts.js';
import { DEFAULT_MAX_PACKET_BYTES } from '../broker/packet-limit.js';
import { MAX_PAYLOAD_BYTES, topics } from '../common/contracts/index.js';
import { client, metric, userStore } from './helpers/edges.js';
import { broker, eventually } from './helpers/pipeline.js';

const GATEWAY: Account = { username: 'gw-a', role: 'gateway', site: 'hall-a', gateway: 'gw-a', equipment: ['dryer-1'] };
const INGEST: Account = { username: 'ingest', role: 'ingest' };

/** Publishes without waiting for an answer and resolves once the broker closed the connection. */
function closedAfter(publisher: Awaited<ReturnType<typeof client>>, topic: string, payload: Buffer): Promise<void> {
  const closed = new Promise<void>((resolve) => publisher.once('close', () => resolve()));
  publisher.on('error', () => undefined);
  publisher.publish(topic, payload, { qos: 1 });
  return closed;
}

describe('broker packet size limit (issue #12)', () => {
  it('routes the largest payload ingest accepts, refuses a 32 MiB publish, counts it and keeps serving', async () => {
    expect(DEFAULT_MAX_PACKET_BYTES).toBeGreaterThan(MAX_PAYLOAD_BYTES);
    const users = await userStore([GATEWAY, INGEST]);
    const mqttBroker = await broker({ users, metricsPort: 0 });
    const metricsUrl = `http://127.0.0.1:${mqttBroker.metricsPort}/metrics`;
    const consumer = await client(mqttBroker.url, 'ingest', { clientId: 'limits-consumer' });
    const sizes: number[] = [];
    consumer.on('message', (_topic, payload) => sizes.push(payload.length));
    await consumer.subscribeAsync(topics.data('hall-a', 'dryer-1'), { qos: 1 });

    const gw = await client(mqttBroker.url, 'gw-a', { clientId: 'limits-gw' });
    await gw.publishAsync(topics.data('hall-a', 'dryer-1'), Buffer.alloc(MAX_PAYLOAD_BYTES, 0x20), { qos: 1 });
    await eventually('the largest valid payload delivered', () => (sizes.length === 1 ? true : undefined));
    await closedAfter(gw, topics.data('hall-a', 'dryer-1'), Buffer.alloc(32 * 1024 * 1024, 0x20));
    expect(await metric(metricsUrl, 'pilothub_broker_packets_refused_total', 'reason="too_large"')).toBe(1);

    const again = await client(mqttBroker.url, 'gw-a', { clientId: 'limits-gw-2' });
    await again.publishAsync(topics.data('hall-a', 'dryer-1'), 'small', { qos: 1 });
    await eventually('the next publish delivered', () => (sizes.length === 2 ? true : undefined));
    expect(sizes).toEqual([MAX_PAYLOAD_BYTES, 5]);
  });

  it('takes its limit from maxPacketBytes', async () => {
    const mqttBroker = await broker({ maxPacketBytes: 1024, metricsPort: 0 });
    const gw = await client(mqttBroker.url, undefined, { clientId: 'limits-small' });
    await gw.publishAsync('pilothub/v1/hall-a/dryer-1/data', Buffer.alloc(900), { qos: 1 });
    await closedAfter(gw, 'pilothub/v1/hall-a/dryer-1/data', Buffer.alloc(2048));
    expect(await metric(`http://127.0.0.1:${mqttBroker.metricsPort}/metrics`, 'pilothub_broker_packets_refused_total')).toBe(1);
  });
});
