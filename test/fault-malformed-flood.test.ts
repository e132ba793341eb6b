import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, topics } from '../common/contracts/index.js';
import { DeadLetterStore } from '../ingest/dead-letters.js';
import { broker, eventually, influxd, ingest, tempDir } from './helpers/pipeline.js';
import { checkSequence, publishSequence, sequence } from './helpers/sequence.js';

describe('fault: a flood of malformed messages mixed into good ones', () => {
  it('writes every good reading once, dead-letters every bad message with its reason, and counts them in /metrics', async () => {
    const influx = await influxd();
    const mqtt = await broker();
    const deadLetterFile = join(tempDir(), 'dead-letters.sqlite');
    const running = await ingest({ mqttUrl: mqtt.url, influxUrl: influx.url, clientId: 'ingest-flood', deadLetterFile, metricsPort: 0 });
    const s = sequence('hall-a', 'flood-1', 300, 20);
    const bad = topics.data('hall-a', 'flood-1');
    await publishSequence(mqtt.url, s, {
      clientId: 'flood-publisher',
      extra: (i, client) => {
        client.publish(bad, `{"gateway":"gw-seq","seq":${i},"readings":[`, { qos: 1 });
        client.publish(bad, JSON.stringify({ gateway: 'gw-seq', seq: i, readings: [{ p: 'n', v: 'x', t: s.t0, q: 'excellent' }] }), { qos: 1 });
        client.publish(`pilothub/v1/hall-a/Flood ${i}/data`, '{}', { qos: 1 });
        if (i % 100 === 0) client.publish(bad, Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20), { qos: 1 });
      },
    });

    const expected = { bad_json: 300, schema: 300, unknown_topic: 300, oversized: 3 };
    await eventually('every message handled', () => (running.metrics.readingsWritten >= 6000 && running.metrics.rejected.unknown_topic >= 300 ? true : undefined), 30_000);
    const result = await checkSequence(influx.client, s);
    expect(result).toEqual({ stored: 6000, missing: [], duplicated: [], wrong: [] });
    expect(running.metrics.rejected).toMatchObject(expected);

    const store = new DeadLetterStore(deadLetterFile);
    try {
      expect(store.count()).toBe(903);
      const oversized = store.list({ reason: 'oversized' });
      expect(oversized).toHaveLength(3);
      expect(oversized[0]).toMatchObject({ topic: bad, payloadBytes: MAX_PAYLOAD_BYTES + 1 });
      expect(oversized[0]!.payload.length).toBe(4096);
      const [schema] = store.list({ reason: 'schema', limit: 1 });
      expect(schema).toMatchObject({ reason: 'schema', topic: bad });
      expect(schema!.detail).toMatch(/^readings\.0\.q: Invalid option/);
      expect(store.list({ since: new Date(Date.now() + 60_000) })).toEqual([]);
    } finally {
      store.close();
    }

    const text = await (await fetch(`http://127.0.0.1:${running.metricsPort}/metrics`)).text();
    expect(text).toMatch(/pilothub_ingest_messages_received_total 1203\b/);
    expect(text).toMatch(/pilothub_ingest_readings_written_total 6000\b/);
    for (const [reason, n] of Object.entries(expected)) expect(text).toContain(`pilothub_ingest_rejected_total{reason="${reason}"} ${n}`);
    expect(text).toMatch(/pilothub_ingest_write_duration_seconds_count [1-9]/);
    expect(text).toMatch(/pilothub_ingest_batch_size_readings_sum 6000\b/);
    expect(text).toMatch(/pilothub_ingest_backlog_readings 0\b/);
    expect(await (await fetch(`http://127.0.0.1:${running.metricsPort}/health`)).json()).toEqual({ status: 'ok', backlog: 0 });
  });
});
