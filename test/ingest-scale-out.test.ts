import { describe, expect, it } from 'vitest';
import { topicFilters } from '../common/contracts/index.js';
import { broker, eventually, influxd, ingest } from './helpers/pipeline.js';
import { checkSequence, publishSequence, sequence } from './helpers/sequence.js';

describe('ingest scale-out: instances split the topic space by site', () => {
  it('gives each instance only its site\'s messages; together they write everything once', async () => {
    const influx = await influxd();
    const mqtt = await broker();
    // aedes has no $share subscriptions, so each instance subscribes to its own sites' filter.
    const a = await ingest({ mqttUrl: mqtt.url, influxUrl: influx.url, clientId: 'ingest-site-a', filters: [topicFilters.siteData('hall-a')] });
    const b = await ingest({ mqttUrl: mqtt.url, influxUrl: influx.url, clientId: 'ingest-site-b', filters: [topicFilters.siteData('hall-b')] });
    const sa = sequence('hall-a', 'line-a', 150, 20);
    const sb = sequence('hall-b', 'line-b', 100, 20);
    await Promise.all([
      publishSequence(mqtt.url, sa, { clientId: 'pub-a' }),
      publishSequence(mqtt.url, sb, { clientId: 'pub-b' }),
    ]);
    await eventually('both sites written', () => (a.metrics.readingsWritten >= 3000 && b.metrics.readingsWritten >= 2000 ? true : undefined));
    expect(await checkSequence(influx.client, sa)).toEqual({ stored: 3000, missing: [], duplicated: [], wrong: [] });
    expect(await checkSequence(influx.client, sb)).toEqual({ stored: 2000, missing: [], duplicated: [], wrong: [] });
    expect([a.metrics.messagesReceived, a.metrics.readingsWritten]).toEqual([150, 3000]);
    expect([b.metrics.messagesReceived, b.metrics.readingsWritten]).toEqual([100, 2000]);
  });
});
