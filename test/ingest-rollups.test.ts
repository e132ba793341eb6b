import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { topics, type ReadingBatch } from '../common/contracts/index.js';
import { RollupWriter } from '../ingest/rollup-writer.js';
import { broker, eventually, influxd, ingest } from './helpers/pipeline.js';
import { rollupMismatches } from './helpers/rollups.js';
import { teardown } from './helpers/teardown.js';

/**
 * A pass-through to a real influxd that answers 503 to rollup writes (precision=ns) while `failRollups` is set,
 * as an InfluxDB that fails between two writes would.
 */
async function rollupBlockingProxy(target: string) {
  const state = { failRollups: true, refused: 0 };
  const server = createServer((req, res) => {
    if (state.failRollups && req.url?.startsWith('/write') && req.url.includes('precision=ns')) {
      state.refused++;
      req.resume();
      res.writeHead(503).end('{"error":"test: rollup writes unavailable"}');
      return;
    }
    const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer: IncomingMessage) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  teardown(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, state };
}

describe('ingest rollups', () => {
  it('acknowledges a message only once its rollups are written: a crash in between redelivers it', { timeout: 60_000 }, async () => {
    const influx = await influxd();
    const mqttUrl = (await broker()).url;
    const proxy = await rollupBlockingProxy(influx.url);
    const clientId = 'ingest-rollup-ack';
    const first = await ingest({ mqttUrl, influxUrl: proxy.url, clientId, maxBatchDelayMs: 10 });
    const publisher = await mqtt.connectAsync(mqttUrl, { clientId: 'rollup-ack-publisher' });
    teardown(() => publisher.endAsync());
    const t = Date.UTC(2026, 0, 7, 9, 0, 0);
    const readings = Array.from({ length: 30 }, (_, i) => ({ p: 'temp', t: t + i * 1000, v: i === 17 ? 250 : 20 + i / 10 }));
    await publisher.publishAsync(topics.data('hall-a', 'oven-r'), JSON.stringify({ gateway: 'gw-r', seq: 1, readings } satisfies ReadingBatch), { qos: 1 });

    // The readings reach InfluxDB; their rollups cannot, so the message stays unacknowledged.
    await eventually('the readings stored and a rollup write refused', async () => {
      const [series] = await influx.client.query(`SELECT count("value") FROM "reading" WHERE "equipment" = 'oven-r'`);
      return series?.values[0]?.[1] === 30 && proxy.state.refused > 0 ? true : undefined;
    });
    expect((await rollupMismatches(influx.client, 'oven-r', t, t + 60_000)).map((m) => m.rollup)).toEqual([null]);
    await first.stop();

    // The next ingest on the same session gets the message again and writes its rollups.
    proxy.state.failRollups = false;
    await ingest({ mqttUrl, influxUrl: proxy.url, clientId, maxBatchDelayMs: 10 });
    await eventually('rollups equal to the raw extremes', async () => ((await rollupMismatches(influx.client, 'oven-r', t, t + 60_000)).length === 0 ? true : undefined));
    const [rollup] = await influx.client.query(`SELECT min("min"), max("max") FROM "reading_1m" WHERE "equipment" = 'oven-r'`);
    expect(rollup!.values[0]!.slice(1)).toEqual([20, 250]);
  });

  it('never holds readings back when InfluxDB refuses their rollups as invalid', { timeout: 60_000 }, async () => {
    const influx = await influxd();
    await influx.client.ensureDatabase();
    const t = Date.UTC(2026, 0, 7, 10, 0, 0);
    // In the same shard, a rollup series whose fields are strings: InfluxDB refuses float extremes for it with 400.
    await influx.client.write(`reading_1m,equipment=oven-x,parameter=temp,site=hall-a max="broken",min="broken" ${t}`);
    const mqttUrl = (await broker()).url;
    const running = await ingest({ mqttUrl, influxUrl: influx.url, clientId: 'ingest-rollup-refused', maxBatchDelayMs: 10 });
    const publisher = await mqtt.connectAsync(mqttUrl, { clientId: 'rollup-refused-publisher' });
    teardown(() => publisher.endAsync());
    await publisher.publishAsync(topics.data('hall-a', 'oven-x'), JSON.stringify({ gateway: 'gw-x', seq: 1, readings: [{ p: 'temp', t, v: 21.5 }] } satisfies ReadingBatch), { qos: 1 });
    await eventually('the reading written and acknowledged', () => (running.metrics.readingsWritten === 1 && running.backlog() === 0 ? true : undefined));
    const [series] = await influx.client.query(`SELECT "value" FROM "reading" WHERE "equipment" = 'oven-x'`);
    expect(series!.values).toEqual([[t, 21.5]]);
    const [rollup] = await influx.client.query(`SELECT "max" FROM "reading_1m" WHERE "equipment" = 'oven-x'`);
    expect(rollup!.values).toEqual([[t, 'broken']]);
  });

  it('recomputes the rollups of a message InfluxDB stored only in part (partial write), from what it stored', { timeout: 60_000 }, async () => {
    const influx = await influxd();
    await influx.client.ensureDatabase();
    const t = Date.UTC(2026, 0, 7, 11, 0, 0);
    // Another tool stored value_bool as an integer in this shard: a boolean reading is refused, a number is not.
    await influx.client.write(`reading,equipment=other,parameter=flag,site=hall-a value_bool=1i ${t}`);
    const mqttUrl = (await broker()).url;
    const running = await ingest({ mqttUrl, influxUrl: influx.url, clientId: 'ingest-partial-write', maxBatchDelayMs: 10 });
    const publisher = await mqtt.connectAsync(mqttUrl, { clientId: 'partial-write-publisher' });
    teardown(() => publisher.endAsync());
    const readings = [{ p: 'temp', t: t + 1000, v: 999 }, { p: 'door', t: t + 1000, v: true }, { p: 'temp', t: t + 2000, v: 20 }];
    await publisher.publishAsync(topics.data('hall-a', 'oven-p'), JSON.stringify({ gateway: 'gw-p', seq: 1, readings } satisfies ReadingBatch), { qos: 1 });
    await eventually('the message refused', () => (running.metrics.rejected.refused_by_influxdb === 1 ? true : undefined));
    const [stored] = await influx.client.query(`SELECT "value" FROM "reading" WHERE "equipment" = 'oven-p'`);
    expect(stored!.values).toEqual([[t + 1000, 999], [t + 2000, 20]]);
    expect(await rollupMismatches(influx.client, 'oven-p', t, t + 60_000)).toEqual([]);
  });

  it('acknowledges what a rollup write covered while newer readings keep arriving, not only once they stop', { timeout: 60_000 }, async () => {
    const influx = await influxd();
    await influx.client.ensureDatabase();
    const writer = new RollupWriter({ write: (body) => influx.client.write([body], 'ns'), recompute: async () => undefined }, pino({ level: 'silent' }));
    teardown(() => writer.close());
    const key = { site: 'hall-a', equipment: 'busy-1', gateway: 'gw' };
    const t = Date.UTC(2026, 0, 7, 12, 0, 0);
    let firstDone = false;
    const first = writer.record([{ key, minutes: [{ parameter: 'p0', minute: t, min: 1, max: 1 }] }]).then(() => { firstDone = true; });
    // A new minute recorded every millisecond, as during a catch-up, for up to 20 s: far longer than one write takes
    // even on a loaded machine, so only a writer that waits for the records to stop runs out of it.
    let records = 0;
    const later: Promise<void>[] = [];
    const giveUpAt = Date.now() + 20_000;
    for (; Date.now() < giveUpAt && !firstDone; records++) {
      later.push(writer.record([{ key, minutes: [{ parameter: `p${records + 1}`, minute: t, min: records, max: records }] }]));
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(firstDone).toBe(true);
    await first;
    await Promise.all(later);
    const [series] = await influx.client.query(`SELECT count("max") FROM "reading_1m" WHERE "equipment" = 'busy-1'`);
    expect(series!.values[0]![1]).toBe(records + 1);
  });
});
