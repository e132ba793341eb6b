import { describe, expect, it } from 'vitest';
import { startPrivateInfluxd } from '../common/runtime/influxd.js';
import { broker, eventually, influxd, ingest } from './helpers/pipeline.js';
import { teardown } from './helpers/teardown.js';
import { checkSequence, publishSequence, sequence } from './helpers/sequence.js';

const OUTAGE_MS = 30_000;

describe('fault: InfluxDB stopped for 30 s and restarted', () => {
  it('holds everything unacknowledged, reports degraded health with the backlog, then writes all of it once', { timeout: 180_000 }, async () => {
    const influx = await influxd();
    const mqtt = await broker();
    const running = await ingest({ mqttUrl: mqtt.url, influxUrl: influx.url, clientId: 'ingest-outage' });
    const s = sequence('hall-a', 'outage-1', 400, 25);
    let down = 0;
    await publishSequence(mqtt.url, s, {
      clientId: 'outage-publisher',
      between: async (i) => {
        if (i !== 100) return;
        await influx.stop();
        down = Date.now();
      },
    });
    const health = await eventually('degraded health', () => (running.health().status === 'degraded' ? running.health() : undefined));
    expect(health.detail).toMatch(/InfluxDB writes fail .* readings held unacknowledged/);
    expect(health.backlog).toBeGreaterThan(0);

    await new Promise((r) => setTimeout(r, Math.max(0, down + OUTAGE_MS - Date.now())));
    const restarted = await startPrivateInfluxd({ dataDir: influx.dataDir, port: influx.port });
    teardown(() => restarted.stop());
    await eventually('all readings written', async () => ((await checkSequence(influx.client, s)).stored >= 10_000 ? true : undefined), 60_000);
    expect(await checkSequence(influx.client, s)).toEqual({ stored: 10_000, missing: [], duplicated: [], wrong: [] });
    await eventually('health back to ok', () => (running.health().status === 'ok' ? true : undefined));
  });
});
