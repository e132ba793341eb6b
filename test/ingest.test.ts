import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { topics, type ReadingBatch } from '../common/contracts/index.js';
import { queryPoints } from '../common/influx/layout.js';
import { broker, eventually, influxd, ingest } from './helpers/pipeline.js';
import { tcpRelay } from './helpers/tcp-relay.js';
import { teardown } from './helpers/teardown.js';

type Influx = Awaited<ReturnType<typeof influxd>>;

const batch = (seq: number, readings: ReadingBatch['readings']): string => JSON.stringify({ gateway: 'gw-test', seq, readings });

async function storedValues(influx: Influx, equipment: string, parameter: string) {
  return (await queryPoints(influx.client, { equipment, parameter, from: 0, to: Date.now() + 3_600_000 })).map((p) => p.v);
}

describe('ingest', () => {
  let influx: Influx;
  let mqttUrl: string;
  let publisher: mqtt.MqttClient;

  beforeAll(async () => {
    influx = await influxd();
    mqttUrl = (await broker()).url;
    publisher = await mqtt.connectAsync(mqttUrl, { clientId: 'test-publisher', protocolVersion: 4 });
    teardown(() => publisher.endAsync());
  });

  it('counts malformed payloads, writes none of them, and keeps writing good ones', async () => {
    const running = await ingest({ mqttUrl, influxUrl: influx.url, clientId: 'ingest-validation' });
    const topic = topics.data('hall-a', 'mixer-1');
    const t = Date.now();
    await publisher.publishAsync(topic, '{"gateway": "gw-test", "seq": 1, "readings": [', { qos: 1 });
    await publisher.publishAsync(topic, batch(2, [{ p: 'speed', v: 'fast' as unknown as number, t, q: 'excellent' as 'good' }]), { qos: 1 });
    await publisher.publishAsync(topic, JSON.stringify({ gateway: 'gw-test', seq: 3, readings: [{ p: 'speed', v: 5, t }], extra: 1 }), { qos: 1 });
    await publisher.publishAsync('pilothub/v1/hall-a/Mixer 1!/data', batch(4, [{ p: 'speed', v: 6, t }]), { qos: 1 });
    await publisher.publishAsync(topic, batch(5, [{ p: 'speed', v: 42, t: t + 1 }, { p: 'speed', v: null, t: t + 2, q: 'bad' }]), { qos: 1 });

    const values = await eventually('the good batch in InfluxDB', async () => {
      const v = await storedValues(influx, 'mixer-1', 'speed');
      return v.length >= 2 ? v : undefined;
    });
    expect(values).toEqual([42, null]);
    expect(running.metrics.rejected).toMatchObject({ bad_json: 1, schema: 2, unknown_topic: 1 });
    // InfluxDB answers queries with the points a moment before ingest has its write's answer and counts them.
    await eventually('the written readings counted', () => (running.metrics.readingsWritten >= 2 ? true : undefined));
    expect(running.metrics.readingsWritten).toBe(2);
  });

  it('acknowledges a message only after InfluxDB holds it: nothing is lost when InfluxDB is down and ingest restarts', async () => {
    const ownInflux = await influxd();
    const first = await ingest({ mqttUrl, influxUrl: ownInflux.url, clientId: 'ingest-ack-after-write' });
    await ownInflux.kill();
    const t = Date.now();
    await publisher.publishAsync(topics.data('hall-a', 'oven-1'), batch(1, [{ p: 'temp', v: 180.5, t }]), { qos: 1 });
    await eventually('ingest to receive the message', () => (first.metrics.messagesReceived >= 1 ? true : undefined));
    await first.stop();

    // InfluxDB comes back on the same data dir and port; a new ingest with the same session gets the redelivery.
    const { startPrivateInfluxd } = await import('../common/runtime/influxd.js');
    const restarted = await startPrivateInfluxd({ dataDir: ownInflux.dataDir, port: ownInflux.port });
    teardown(() => restarted.stop());
    const second = await ingest({ mqttUrl, influxUrl: restarted.url, clientId: 'ingest-ack-after-write' });
    const values = await eventually('the redelivered reading', async () => {
      const v = await storedValues(ownInflux, 'oven-1', 'temp');
      return v.length ? v : undefined;
    });
    expect(values).toEqual([180.5]);
    expect(second.metrics.messagesReceived).toBeGreaterThanOrEqual(1);
  });

  it('holds and retries, never dead-letters, when the database is missing (404 is the server\'s state, not the data\'s)', async () => {
    const ownInflux = await influxd();
    const running = await ingest({ mqttUrl, influxUrl: ownInflux.url, clientId: 'ingest-missing-db' });
    await ownInflux.client.query('DROP DATABASE "pilothub"', { method: 'POST' });
    await publisher.publishAsync(topics.data('hall-a', 'kiln-1'), batch(1, [{ p: 'temp', v: 905.5, t: Date.now() }]), { qos: 1 });
    await eventually('a failed write attempt', () => (running.lastWriteError() ? true : undefined));
    await ownInflux.client.ensureDatabase();
    const values = await eventually('the held reading', async () => {
      const v = await storedValues(ownInflux, 'kiln-1', 'temp');
      return v.length ? v : undefined;
    });
    expect(values).toEqual([905.5]);
    expect(running.metrics.rejected.refused_by_influxdb).toBe(0);
  });

  it('writes a redelivered message once: the same reading is one point', async () => {
    const running = await ingest({ mqttUrl, influxUrl: influx.url, clientId: 'ingest-idempotent' });
    const t = Date.now();
    const payload = batch(9, [{ p: 'level', v: 3.5, t }]);
    await publisher.publishAsync(topics.data('hall-a', 'tank-1'), payload, { qos: 1 });
    await publisher.publishAsync(topics.data('hall-a', 'tank-1'), payload, { qos: 1 });
    await eventually('both deliveries written', () => (running.metrics.readingsWritten >= 2 ? true : undefined));
    expect(await storedValues(influx, 'tank-1', 'level')).toEqual([3.5]);
  });

  it('starts when the broker drops its first connection before confirming the subscription, and then writes', async () => {
    // The first connection is cut as its SUBSCRIBE goes by (MQTT packet type 8: first byte 0x82): the start used to
    // fail with "Connection closed" although mqtt.js reconnects at once.
    let cut = false;
    const relay = await tcpRelay(Number(new URL(mqttUrl).port), {
      pass: (chunk, from, connection) => {
        if (from !== 'client' || connection !== 1 || chunk[0] !== 0x82) return chunk;
        cut = true;
        setImmediate(() => relay.cut(1));
        return undefined;
      },
    });
    const running = await ingest({ mqttUrl: `mqtt://127.0.0.1:${relay.port}`, influxUrl: influx.url, clientId: 'ingest-suback-lost' });
    expect(cut).toBe(true);
    expect(relay.connections()).toBeGreaterThanOrEqual(2);
    const t = Date.now();
    await publisher.publishAsync(topics.data('hall-a', 'press-1'), batch(1, [{ p: 'force', v: 12.5, t }]), { qos: 1 });
    await eventually('the reading written', () => (running.metrics.readingsWritten >= 1 ? true : undefined));
    expect(await storedValues(influx, 'press-1', 'force')).toEqual([12.5]);
  });
});
