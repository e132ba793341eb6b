import { describe, expect, it } from 'vitest';
import { ingestProcess } from './helpers/ingest-process.js';
import { broker, eventually, influxd } from './helpers/pipeline.js';
import { rollupMismatches } from './helpers/rollups.js';
import { checkSequence, publishSequence, sequence } from './helpers/sequence.js';

const received = async (port: number) =>
  Number(/pilothub_ingest_messages_received_total (\d+)/.exec(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())?.[1] ?? 0);

describe('fault: ingest killed with SIGKILL mid-batch', () => {
  it('loses and duplicates nothing: unwritten messages were never acknowledged, so the broker redelivers them', { timeout: 120_000 }, async () => {
    const influx = await influxd();
    const mqtt = await broker();
    const env = {
      PILOTHUB_MQTT_URL: mqtt.url, PILOTHUB_INFLUX_URL: influx.url, PILOTHUB_INGEST_CLIENT_ID: 'ingest-sigkill',
      // A long batch delay makes sure a batch is half-full, received but unwritten, when the kill lands.
      PILOTHUB_INGEST_MAX_BATCH_DELAY_MS: '1000', PILOTHUB_INGEST_MAX_BATCH_LINES: '100000', PILOTHUB_LOG_LEVEL: 'warn',
    };
    const first = await ingestProcess(env);
    const s = sequence('hall-a', 'sigkill-1', 400, 25);
    let killedAfter = 0;
    await publishSequence(mqtt.url, s, {
      clientId: 'sigkill-publisher',
      between: async (i) => {
        if (i !== 200) return;
        killedAfter = await received(first.metricsPort);
        first.child.kill('SIGKILL');
        await new Promise((r) => first.child.once('exit', r));
      },
    });
    expect(killedAfter).toBeGreaterThan(0);
    const before = await checkSequence(influx.client, s);
    expect(before.missing.length).toBeGreaterThan(0);

    await ingestProcess(env);
    await eventually('all readings written', async () => ((await checkSequence(influx.client, s)).stored >= 10_000 ? true : undefined), 60_000);
    expect(await checkSequence(influx.client, s)).toEqual({ stored: 10_000, missing: [], duplicated: [], wrong: [] });
    // And the per-minute rollups plot mode reads hold the extremes of every stored reading.
    await eventually('rollups of every reading', async () => ((await rollupMismatches(influx.client, 'sigkill-1', s.t0 - 60_000, s.t0 + 120_000)).length === 0 ? true : undefined));
  });
});
