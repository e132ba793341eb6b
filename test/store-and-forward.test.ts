import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { dryerGatewayYaml } from './helpers/gateway-yaml.js';
import { teardown } from './helpers/teardown.js';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { ReadingBatch } from '../common/contracts/index.js';
import { freePort } from '../common/runtime/ports.js';
import { parseGatewayConfig } from '../gateway/config.js';
import { startGateway, type RunningGateway } from '../gateway/gateway.js';
import { Outbox } from '../gateway/outbox.js';
import { eventually, influxd, ingest, sprayDryer, tempDir } from './helpers/servers.js';
import { sleep } from './modbus-helpers.js';

const PARAMETERS = ['inlet_temp', 'outlet_temp', 'feed_rate', 'atomizer_speed', 'inlet_temp_sp', 'running', 'alarm'];

const yaml = (mqttUrl: string, dryerPort: number) => dryerGatewayYaml({ gateway: 'gw-sf', site: 'hall-sf', device: 'dryer-sf', mqttUrl, dryerPort, parameters: [
  '{ id: inlet_temp, name: Inlet, table: input, address: 0, type: float32 }',
  '{ id: outlet_temp, name: Outlet, table: input, address: 2, type: float32 }',
  '{ id: feed_rate, name: Feed, table: input, address: 4, type: float32 }',
  '{ id: atomizer_speed, name: Atomizer, table: input, address: 6, type: float32 }',
  '{ id: inlet_temp_sp, name: Setpoint, table: holding, address: 0, type: float32 }',
  '{ id: running, name: Running, table: coil, address: 0, type: bool }',
  '{ id: alarm, name: Alarm, table: discrete, address: 0, type: bool }',
] });

describe('store-and-forward: gateway -> broker -> ingest -> InfluxDB across a broker outage and a gateway restart', () => {
  it('finds every reading the gateway produced in InfluxDB exactly once, and seq keeps increasing', async () => {
    const influx = await influxd();
    const port = await freePort();
    const sessions = join(tempDir(), 'broker-sessions.sqlite');
    // Persistent broker sessions, so ingest's subscription and queue survive the broker restart.
    let broker: RunningBroker = await startBroker({ port, persistenceFile: sessions });
    teardown(() => broker.stop());
    const mqttUrl = `mqtt://127.0.0.1:${port}`;
    await ingest({ mqttUrl, influxUrl: influx.url, clientId: 'sf-ingest' });
    const dryer = await sprayDryer();
    const config = parseGatewayConfig(yaml(mqttUrl, dryer.port), 'sf.yaml');
    const dataDir = tempDir('pilothub-sf-');

    // seq of each distinct message in the order first seen. The observer's own session is at least once: after the
    // broker restart it may get again what it had before its acknowledgement was lost; such a copy is the same payload.
    const seqs: number[] = [];
    const seen = new Set<string>();
    const observer = await mqtt.connectAsync(mqttUrl, { protocolVersion: 4, clientId: 'sf-observer', clean: false, reconnectPeriod: 200 });
    teardown(() => observer.endAsync());
    observer.on('message', (_topic, payload) => {
      if (seen.has(String(payload))) return;
      seen.add(String(payload));
      seqs.push(ReadingBatch.parse(JSON.parse(String(payload))).seq);
    });
    await observer.subscribeAsync('pilothub/v1/hall-sf/dryer-sf/data', { qos: 1 });

    const produced = (g: RunningGateway) => g.metrics.readings.get().then((m) => m.values.reduce((n, v) => n + v.value, 0));
    let total = 0;

    const first = await startGateway(config, { dataDir });
    await eventually('first batches acknowledged', async () => ((await first.metrics.published.get()).values[0]?.value ?? 0) >= 5 || undefined);

    await broker.stop();
    await eventually('batches queued on disk during the outage', () => (first.queueDepth().messages >= 10 ? true : undefined));
    await first.stop();
    total += await produced(first);
    const leftByFirst = first.queueDepth().messages;
    expect(leftByFirst).toBeGreaterThanOrEqual(10);

    // A new gateway process on the same data dir, still without a broker: the queue survives and grows.
    const second = await startGateway(config, { dataDir });
    expect(second.queueDepth().messages).toBeGreaterThanOrEqual(leftByFirst);
    await sleep(800);
    expect(second.queueDepth().messages).toBeGreaterThan(leftByFirst);

    broker = await startBroker({ port, persistenceFile: sessions });
    await eventually('the queue drained after the broker came back', () => (second.queueDepth().messages === 0 ? true : undefined), 30_000);
    await sleep(500);
    await second.stop({ drainMs: 10_000 });
    total += await produced(second);
    expect(second.queueDepth().messages).toBe(0);

    const perParameter = total / PARAMETERS.length;
    expect(Number.isInteger(perParameter)).toBe(true);
    const counts = await eventually('every reading in InfluxDB', async () => {
      const series = await influx.client.query(`SELECT count("quality") FROM "reading" WHERE "equipment" = 'dryer-sf' GROUP BY "parameter"`);
      const byParameter = Object.fromEntries(series.map((s) => [s.tags?.parameter, Number(s.values[0]?.[1])]));
      return PARAMETERS.every((p) => byParameter[p] === perParameter) ? byParameter : undefined;
    }, 30_000).catch(async (err: Error) => {
      const series = await influx.client.query(`SELECT count("quality") FROM "reading" WHERE "equipment" = 'dryer-sf' GROUP BY "parameter"`);
      throw new Error(`${err.message}; expected ${perParameter} per parameter, InfluxDB has ${JSON.stringify(series.map((s) => [s.tags?.parameter, s.values[0]?.[1]]))}`);
    });
    expect(Object.keys(counts).sort()).toEqual([...PARAMETERS].sort());

    // Order on the wire: the queue went out before live data, and the restart did not reset seq (a reset would
    // bring new payloads with old numbers).
    expect(seqs.length).toBeGreaterThan(20);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]!, `seq at ${i}`).toBeGreaterThan(seqs[i - 1]!);
  }, 120_000);

  it('bounds the on-disk queue: the oldest batches are dropped and counted; seq and the count survive a reopen', () => {
    const file = join(tempDir(), 'outbox.sqlite');
    const payload = (seq: number) => JSON.stringify({ seq, pad: 'x'.repeat(80) });
    let outbox = new Outbox(file, 1000);
    let dropped = 0;
    for (let i = 0; i < 30; i++) dropped += outbox.enqueue('t', payload);
    expect(dropped).toBeGreaterThan(0);
    expect(outbox.depth().bytes).toBeLessThanOrEqual(1000);
    const kept = outbox.next(0, 100).map((m) => (JSON.parse(m.payload) as { seq: number }).seq);
    // the newest survive, in order, and the dropped ones are exactly the oldest
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 30 - kept.length + i));
    expect(kept.length + dropped).toBe(30);
    outbox.close();

    outbox = new Outbox(file, 1000);
    expect(outbox.droppedTotal).toBe(dropped);
    expect(outbox.depth().messages).toBe(kept.length);
    outbox.enqueue('t', payload);
    expect(JSON.parse(outbox.next(0, 100).at(-1)!.payload)).toMatchObject({ seq: 30 });
    for (const m of outbox.next(0, 100)) outbox.remove(m.id);
    expect(outbox.depth()).toEqual({ messages: 0, bytes: 0 });
    outbox.close();
  });

  it('deletes a batch only after the PUBACK: batches a stalled broker never acknowledged are sent again after a restart', async () => {
    const dataDir = tempDir('pilothub-sf-stall-');
    const dryer = await sprayDryer();
    const held: (() => void)[] = [];
    // A broker that takes the gateway's data messages but never authorizes (so never acknowledges) them.
    const stalled = await startBroker({ port: await freePort(), aedes: {
      authorizePublish: (_client, packet, callback) => (packet.topic.endsWith('/data') ? held.push(() => callback(null)) : callback(null)),
    } });
    const a = await startGateway(parseGatewayConfig(yaml(`mqtt://127.0.0.1:${stalled.port}`, dryer.port), 'sf.yaml'), { dataDir });
    await eventually('batches waiting for PUBACK', () => (held.length >= 1 && a.queueDepth().messages >= 5 ? true : undefined));
    await a.stop();
    expect(a.queueDepth().messages).toBeGreaterThanOrEqual(5);
    const closing = stalled.stop();
    for (const release of held) release();
    await closing;

    const healthy = await startBroker({ port: await freePort() });
    teardown(() => healthy.stop());
    const url = `mqtt://127.0.0.1:${healthy.port}`;
    const observer = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: 'stall-observer' });
    teardown(() => observer.endAsync());
    const seqs = new Set<number>();
    observer.on('message', (_topic, payload) => seqs.add(ReadingBatch.parse(JSON.parse(String(payload))).seq));
    await observer.subscribeAsync('pilothub/v1/hall-sf/dryer-sf/data', { qos: 1 });
    const b = await startGateway(parseGatewayConfig(yaml(url, dryer.port), 'sf.yaml'), { dataDir });
    teardown(() => b.stop());
    await eventually('the first batch ever, seq 0, delivered', () => (seqs.has(0) && b.queueDepth().messages === 0 ? true : undefined));
    const max = Math.max(...seqs);
    expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: max + 1 }, (_, i) => i));
  });
});
