import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startBroker } from '../broker/broker.js';
import { UserStore } from '../broker/user-store.js';
import { topics, type ReadingBatch } from '../common/contracts/index.js';
import { readingToLine } from '../common/influx/layout.js';
import { InfluxV1Client } from '../common/influx/v1-client.js';
import { startPrivateInfluxd } from '../common/runtime/influxd.js';
import { freePort } from '../common/runtime/ports.js';
import { startIngest } from '../ingest/ingest.js';

/**
 * `npm run bench -- ingest` (or `node --import tsx bench/ingest.ts`), in one run on one private influxd:
 * (1) the raw InfluxDB write limit: our line protocol in 5000-line batches straight to /write, 1, 2 and 4
 *     concurrent writers, the best counts;
 * (2) sustained end to end: gateway-format batches from a separate publisher process -> aedes (accounts,
 *     SQLite persistence, as npm start runs it) -> ingest -> InfluxDB, every reading verified by a count query;
 * (3) latency publish -> queryable at 10 000 readings/s, p50/p99.
 * Prints (2)/(1) (target >= 0.6, 0 lost) and p99 (target < 1 s). Prints, never asserts.
 * BENCH_BATCH (lines per write, default 5000) and BENCH_WRITES (writes in flight, default 2) try other ingest settings.
 */
const E2E_MESSAGES = 3000;
const E2E_PER_MESSAGE = 500;
/** As many points as the end-to-end run writes: InfluxDB slows down as a shard fills, so equal volumes compare fairly. */
const RAW_POINTS = E2E_MESSAGES * E2E_PER_MESSAGE;
const LAT_SECONDS = 10;
const LAT_MESSAGES_PER_S = 100;
const LAT_PER_MESSAGE = 100;
const T0 = Date.UTC(2026, 0, 1);

const dir = mkdtempSync(join(tmpdir(), 'pilothub-bench-ingest-'));
// Every measurement gets a fresh influxd: one still compacting an earlier phase's points would handicap the next.
let servers = 0;
async function freshInflux() {
  const server = await startPrivateInfluxd({ dataDir: join(dir, `influx-${servers++}`) });
  const client = new InfluxV1Client(server.url, 'pilothub');
  await client.ensureDatabase();
  const count = async (equipment: string) => {
    const [series] = await client.query(`SELECT count("value") FROM "reading" WHERE "equipment" = '${equipment}'`);
    return (series?.values[0]?.[1] as number | undefined) ?? 0;
  };
  return { server, client, count };
}

// (1) Raw limit. Bodies are built before the clock starts: this measures InfluxDB, not our line building.
async function rawLimit(writers: number): Promise<number> {
  const { server, client: influx, count } = await freshInflux();
  const equipment = `raw-${writers}`;
  const bodies: string[] = [];
  for (let b = 0; b < RAW_POINTS / 5000; b++) {
    const lines: string[] = [];
    for (let k = 0; k < 5000; k++) {
      const n = b * 5000 + k;
      lines.push(readingToLine({ site: 'bench', equipment, gateway: 'gw-bench' }, { p: `p${n % 50}`, v: n, t: T0 + Math.floor(n / 50) }));
    }
    bodies.push(lines.join('\n'));
  }
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: writers }, async () => {
    while (next < bodies.length) await influx.write(bodies[next++]!);
  }));
  const rate = RAW_POINTS / ((performance.now() - started) / 1000);
  const stored = await count(equipment);
  await server.stop();
  if (stored !== RAW_POINTS) throw new Error(`raw write: ${stored} of ${RAW_POINTS} points stored`);
  return rate;
}
const raw: Record<number, number> = {};
for (const writers of [1, 2, 4]) raw[writers] = await rawLimit(writers);
const rawBest = Math.max(...Object.values(raw));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
for (const [w, r] of Object.entries(raw)) console.log(`(1) raw /write, ${w} writer(s): ${fmt(r)} points/s`);

const { server: influxd, client: influx, count } = await freshInflux();
// The pipeline as npm start runs it: accounts, SQLite persistence, ingest with its defaults.
const users = new UserStore(join(dir, 'users.sqlite'));
await users.set({ username: 'gw-bench', role: 'gateway', site: 'bench', gateway: 'gw-bench', equipment: ['e2e', 'latency'] }, 'bench-gateway-password');
await users.set({ username: 'ingest', role: 'ingest' }, 'bench-ingest-password');
const broker = await startBroker({ port: await freePort(), users, persistenceFile: join(dir, 'sessions.sqlite') });
const mqttUrl = `mqtt://127.0.0.1:${broker.port}`;
const ingest = await startIngest({ mqttUrl, influxUrl: influxd.url, username: 'ingest', password: 'bench-ingest-password', clientId: 'bench-ingest', maxBatchLines: Number(process.env.BENCH_BATCH ?? 5000), concurrentWrites: Number(process.env.BENCH_WRITES ?? 2) });

// (2) Sustained throughput. The publisher is its own process, as a gateway is.
const PUBLISHER = `
const mqtt = require('mqtt');
const [url, topic, messages, perMessage, t0] = process.argv.slice(1).map((a, i) => (i < 2 ? a : Number(a)));
const client = mqtt.connect(url, { protocolVersion: 4, username: 'gw-bench', password: 'bench-gateway-password', clientId: 'bench-publisher' });
// Payloads are built before the clock starts: what is measured is the pipeline, not the publisher's JSON.
const payloads = [];
for (let i = 0; i < messages; i++) {
  const readings = [];
  for (let k = 0; k < perMessage; k++) readings.push({ p: 'p' + (k % 50), v: i * perMessage + k, t: t0 + i * perMessage + k });
  payloads.push(JSON.stringify({ gateway: 'gw-bench', seq: i, readings }));
}
client.on('connect', () => {
  client.stream.setNoDelay(true);
  process.stdout.write('ready\\n');
  let sent = 0, acked = 0;
  const pump = () => {
    while (sent < messages && sent - acked < 64) {
      const i = sent++;
      client.publish(topic, payloads[i], { qos: 1 }, () => {
        acked++;
        if (acked === messages) { process.stdout.write('done\\n'); client.end(); } else setImmediate(pump);
      });
    }
  };
  pump();
});`;
const e2eTotal = E2E_MESSAGES * E2E_PER_MESSAGE;
const publisher = spawn(process.execPath, ['-e', PUBLISHER, mqttUrl, topics.data('bench', 'e2e'), String(E2E_MESSAGES), String(E2E_PER_MESSAGE), String(T0)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve) => publisher.stdout!.once('data', () => resolve()));
const e2eStarted = performance.now();
const e2eCpu = process.cpuUsage();
await new Promise<void>((resolve, reject) => publisher.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`publisher exited with ${code}`)))));
// The clock stops when ingest has had every write acknowledged by InfluxDB (polled in process: a count query
// every few ms would itself load influxd); then one count query verifies every reading is there.
const deadline = Date.now() + 120_000;
while (ingest.metrics.readingsWritten < e2eTotal && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
const e2eSeconds = (performance.now() - e2eStarted) / 1000;
const cpu = process.cpuUsage(e2eCpu);
const stored = await count('e2e');
const e2eRate = stored / e2eSeconds;
console.log(`(2) end to end: ${fmt(e2eRate)} readings/s (${E2E_MESSAGES} messages x ${E2E_PER_MESSAGE} readings), ${fmt(stored)} of ${fmt(e2eTotal)} stored, ${fmt(e2eTotal - stored)} lost`);
console.log(`    broker + ingest process used ${((cpu.user + cpu.system) / 1e6 / e2eSeconds).toFixed(2)} cores over ${e2eSeconds.toFixed(1)} s (influxd and the publisher share the same machine)`);

// (3) Latency at 10 000 readings/s: each message carries a marker reading; a poller notes when each marker is queryable.
const client = await mqtt.connectAsync(mqttUrl, { protocolVersion: 4, username: 'gw-bench', password: 'bench-gateway-password', clientId: 'bench-latency' });
(client.stream as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
const latT0 = T0 + 10 * e2eTotal;
const total = LAT_SECONDS * LAT_MESSAGES_PER_S;
const published: number[] = [];
const seen = new Map<number, number>();
let polling = true;
const poller = (async () => {
  while (polling) {
    const [series] = await influx.query(`SELECT "value" FROM "reading" WHERE "equipment" = 'latency' AND "parameter" = 'marker'`);
    const now = performance.now();
    for (const row of series?.values ?? []) if (!seen.has(row[1] as number)) seen.set(row[1] as number, now);
    await new Promise((r) => setTimeout(r, 5));
  }
})();
const latStarted = performance.now();
for (let i = 0; i < total; i++) {
  const due = latStarted + (i * 1000) / LAT_MESSAGES_PER_S;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const readings: ReadingBatch['readings'] = [{ p: 'marker', v: i, t: latT0 + i * LAT_PER_MESSAGE }];
  for (let k = 1; k < LAT_PER_MESSAGE; k++) readings.push({ p: `p${k % 50}`, v: k, t: latT0 + i * LAT_PER_MESSAGE + k });
  published[i] = performance.now();
  client.publish(topics.data('bench', 'latency'), JSON.stringify({ gateway: 'gw-bench', seq: i, readings }), { qos: 1 });
}
const latDeadline = Date.now() + 30_000;
while (seen.size < total && Date.now() < latDeadline) await new Promise((r) => setTimeout(r, 50));
polling = false;
await poller;
const latencies = published.map((p, i) => (seen.get(i) ?? Number.NaN) - p).filter(Number.isFinite).sort((a, b) => a - b);
const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
console.log(`(3) latency publish -> queryable at ${fmt(LAT_MESSAGES_PER_S * LAT_PER_MESSAGE)} readings/s: p50 ${pct(0.5).toFixed(0)} ms, p99 ${pct(0.99).toFixed(0)} ms, ${total - latencies.length} of ${total} markers never seen`);
console.log(`ratio end-to-end / raw limit: ${(e2eRate / rawBest).toFixed(2)} (target >= 0.6; ${fmt(e2eRate)} / ${fmt(rawBest)})`);

await client.endAsync();
await ingest.stop();
await broker.stop();
users.close();
await influxd.stop();
rmSync(dir, { recursive: true, force: true });
