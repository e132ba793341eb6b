import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { freePort } from '../common/runtime/ports.js';
import { eventually, influxd, ingest, tempDir } from './helpers/pipeline.js';
import { checkSequence, publishSequence, sequence } from './helpers/sequence.js';

describe('fault: broker restart mid-stream', () => {
  it('loses and duplicates nothing: queued and in-flight QoS 1 messages survive in the SQLite persistence', { timeout: 120_000 }, async () => {
    const influx = await influxd();
    const file = join(tempDir(), 'sessions.sqlite');
    const port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    let broker: RunningBroker = await startBroker({ port, persistenceFile: file });
    // Slow batches keep messages in flight (delivered, not yet acknowledged) when the broker goes down.
    const running = await ingest({ mqttUrl: url, influxUrl: influx.url, clientId: 'ingest-broker-restart', maxBatchDelayMs: 300 });
    const s = sequence('hall-a', 'restart-1', 400, 25);
    let restarted = false;
    await publishSequence(url, s, {
      clientId: 'restart-publisher',
      between: async (i) => {
        if (i !== 200) return;
        await broker.stop();
        await new Promise((r) => setTimeout(r, 500));
        broker = await startBroker({ port, persistenceFile: file });
        restarted = true;
      },
    });
    try {
      expect(restarted).toBe(true);
      await eventually('all readings written', async () => ((await checkSequence(influx.client, s)).stored >= 10_000 ? true : undefined), 60_000);
      expect(await checkSequence(influx.client, s)).toEqual({ stored: 10_000, missing: [], duplicated: [], wrong: [] });
      expect(running.metrics.readingsWritten).toBeGreaterThanOrEqual(10_000);
    } finally {
      await running.stop();
      await broker.stop();
    }
  });
});
