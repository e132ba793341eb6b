import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Account } from '../broker/accounts.js';
import { topics } from '../common/contracts/index.js';
import { batch, client, metric, stored, userStore } from './helpers/edges.js';
import { broker, eventually, influxd, ingest, tempDir } from './helpers/pipeline.js';
import { teardown } from './helpers/teardown.js';

const GATEWAY: Account = { username: 'gw-a', role: 'gateway', site: 'hall-a', gateway: 'gw-a', equipment: ['dryer-1', 'mixer-1'] };
const INGEST: Account = { username: 'ingest', role: 'ingest' };

describe('ingest acknowledges QoS 2 deliveries too (issue #12)', () => {
  it('stores a QoS 2 batch and the 100 QoS 1 batches after it, and acknowledges them all within 10 s', async () => {
    const influx = await influxd();
    const users = await userStore([GATEWAY, INGEST]);
    const mqttBroker = await broker({ users, persistenceFile: join(tempDir(), 'sessions.sqlite') });
    const running = await ingest({ mqttUrl: mqttBroker.url, influxUrl: influx.url, username: 'ingest', password: 'edge-test-password', clientId: 'ingest-qos2', metricsPort: 0 });
    const metricsUrl = `http://127.0.0.1:${running.metricsPort}/metrics`;
    const gw = await client(mqttBroker.url, 'gw-a');
    const t = Date.now();
    await gw.publishAsync(topics.data('hall-a', 'dryer-1'), batch('gw-a', 0, [{ p: 'temp', v: 0, t }]), { qos: 2 });
    for (let seq = 1; seq <= 100; seq++) await gw.publishAsync(topics.data('hall-a', 'dryer-1'), batch('gw-a', seq, [{ p: 'temp', v: seq, t: t + seq }]), { qos: 1 });
    const published = Date.now();

    await eventually('no unacknowledged message left', async () => ((await metric(metricsUrl, 'pilothub_ingest_unacked_messages')) === 0 ? true : undefined), 10_000);
    expect(Date.now() - published).toBeLessThan(10_000);
    // Before the fix the broker's queue for ingest only grew; now it drains with the acknowledgements.
    await eventually('the broker\'s queue for ingest drained', () => (mqttBroker.queueDepth('ingest-qos2') === 0 ? true : undefined), 5000);
    const values = (await stored(influx.client, 'dryer-1')).map((p) => p.value);
    expect(values).toEqual(Array.from({ length: 101 }, (_, i) => i));
  });

  it('loses nothing from mixed QoS 0/1/2 publishers on data, birth and status topics across ingest restarts', async () => {
    const influx = await influxd();
    const users = await userStore([GATEWAY, INGEST]);
    const mqttBroker = await broker({ users, persistenceFile: join(tempDir(), 'sessions.sqlite') });
    const options = { mqttUrl: mqttBroker.url, influxUrl: influx.url, username: 'ingest', password: 'edge-test-password', clientId: 'ingest-mixed', metricsPort: 0 };
    let running = await ingest(options);
    const gw = await client(mqttBroker.url, 'gw-a', { will: { topic: topics.status('hall-a', 'gw-a'), payload: Buffer.from('{"gateway":"gw-a","state":"offline"}'), qos: 1, retain: true } });
    const t = Date.now();
    const expected: number[] = [];
    let seq = 0;
    const round = async (qosOfData: (0 | 1 | 2)[], durable: boolean) => {
      for (const qos of qosOfData) {
        seq++;
        // QoS 0 is "at most once" [MQTT-4.3.1]: the broker keeps none for an absent session, so count it only while ingest is up.
        if (qos > 0 || durable) expected.push(seq);
        await gw.publishAsync(topics.data('hall-a', seq % 2 ? 'dryer-1' : 'mixer-1'), batch('gw-a', seq, [{ p: 'n', v: seq, t: t + seq }]), { qos });
        const side = (seq % 3) as 0 | 1 | 2;
        await gw.publishAsync(topics.birth('hall-a', 'dryer-1'), JSON.stringify({ gateway: 'gw-a', seq }), { qos: side, retain: true });
        await gw.publishAsync(topics.status('hall-a', 'gw-a'), '{"gateway":"gw-a","state":"online"}', { qos: side, retain: true });
      }
    };
    // stop() drops what is not yet written; QoS 1 and 2 come again, QoS 0 would not: let the QoS 0 ones land first.
    const written = () => eventually('ingest to write what it received', () => (running.backlog() === 0 && running.metrics.messagesReceived > 0 ? true : undefined));
    await round([2, 1, 0, 2, 2, 1, 0, 1], true);
    await written();
    await running.stop();
    await round([1, 2, 2, 1, 0], false);
    running = await ingest(options);
    await round([2, 0, 1, 2, 1, 1, 2], true);
    await written();
    await running.stop();
    running = await ingest(options);
    await round([1, 2], true);

    const found = await eventually('every QoS 1 and 2 reading, and those QoS 0 ones sent while ingest was up', async () => {
      const values = [...(await stored(influx.client, 'dryer-1')), ...(await stored(influx.client, 'mixer-1'))].map((p) => p.value as number).sort((a, b) => a - b);
      if (!expected.every((n) => values.includes(n))) throw new Error(`missing ${expected.filter((n) => !values.includes(n)).join(",")}`);
      return values;
    });
    expect(found.filter((n) => !expected.includes(n)).length).toBeLessThanOrEqual(1);
    const metricsUrl = `http://127.0.0.1:${running.metricsPort}/metrics`;
    await eventually('nothing left unacknowledged', async () => ((await metric(metricsUrl, 'pilothub_ingest_unacked_messages')) === 0 ? true : undefined), 10_000);
  });

  it('takes ownership of a QoS 2 message (PUBREC) only once it is written: an ingest stopped before that loses nothing', async () => {
    const influx = await influxd();
    const mqttBroker = await broker({ persistenceFile: join(tempDir(), 'sessions.sqlite') });
    const options = { mqttUrl: mqttBroker.url, influxUrl: influx.url, clientId: 'ingest-qos2-owner' };
    const first = await ingest(options);
    await influx.kill();
    const gw = await client(mqttBroker.url, undefined);
    const t = Date.now();
    await gw.publishAsync(topics.data('hall-a', 'dryer-1'), batch('gw-a', 1, [{ p: 'temp', v: 42.5, t }]), { qos: 2 });
    await eventually('ingest to receive it', () => (first.metrics.messagesReceived >= 1 ? true : undefined));
    await first.stop();

    // Had PUBREC left on receipt, the broker would now send only PUBREL, and a new ingest has nothing to write.
    const { startPrivateInfluxd } = await import('../common/runtime/influxd.js');
    const restarted = await startPrivateInfluxd({ dataDir: influx.dataDir, port: influx.port });
    teardown(() => restarted.stop());
    await ingest(options);
    const values = await eventually('the QoS 2 reading after the restart', async () => {
      const points = await stored(influx.client, 'dryer-1');
      return points.length ? points.map((p) => p.value) : undefined;
    });
    expect(values).toEqual([42.5]);
  });
});
