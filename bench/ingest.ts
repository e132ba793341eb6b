import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { UserStore } from '../broker/user-store.js';
import { topics, type ReadingBatch } from '../common/contracts/index.js';
import { readingToLine } from '../common/influx/layout.js';
import { InfluxV1Client } from '../common/influx/v1-client.js';
import { startPrivateInfluxd } from '../common/runtime/influxd.js';
import { freePort } from '../common/runtime/ports.js';
import { cpuBetween, treeCpu } from './lib/cpu.js';
import { median, withSpread } from './lib/figures.js';
import { forkBroker, forkIngest } from './lib/pipeline.js';
import { startPublisher } from './lib/publisher.js';

/**
 * `npm run bench -- ingest` (or `node --import tsx bench/ingest.ts`), each measurement on a fresh private influxd:
 * (1) the raw InfluxDB write limit: our line protocol in 5000-line batches straight to /write, 2 and 4
 *     concurrent writers;
 * (2) sustained end to end: gateway-format batches from a separate publisher process -> aedes (accounts,
 *     SQLite persistence) -> ingest -> InfluxDB, broker and ingest each in a process of its own as `pilothub broker`
 *     and `pilothub ingest` run them (bench/lib/pipeline.ts), every reading verified by a count query; with the CPU
 *     seconds broker and ingest each used per million readings (/proc/<pid>/stat);
 * (3) latency publish -> queryable at 10 000 readings/s, p50/p99.
 * One warm-up round of (1) and (2) is not counted (first writes into a fresh influxd and the first JIT of the
 * pipeline). Then (1) and (2) run in ROUNDS interleaved rounds, so drift of the shared machine touches both alike;
 * the raw limit is the better of the medians over rounds with 2 and with 4 writers, the ratio the median of (2) over
 * it (target >= 0.6, 0 lost); p99 target < 1 s. Prints, never asserts. BENCH_BATCH (lines per write, default 5000),
 * BENCH_WRITES (writes in flight, default 2) and BENCH_ROUNDS (default 4) try other settings; BENCH_CPU_PROF=DIR
 * writes CPU profiles of broker and ingest there.
 */
const E2E_MESSAGES = 3000;
const E2E_PER_MESSAGE = 500;
/** As many points as the end-to-end run writes: InfluxDB slows down as a shard fills, so equal volumes compare fairly. */
const RAW_POINTS = E2E_MESSAGES * E2E_PER_MESSAGE;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const LAT_SECONDS = 10;
const LAT_MESSAGES_PER_S = 100;
const LAT_PER_MESSAGE = 100;
const T0 = Date.UTC(2026, 0, 1);

const dir = mkdtempSync(join(tmpdir(), 'pilothub-bench-ingest-'));
let servers = 0;
async function freshInflux() {
  const server = await startPrivateInfluxd({ dataDir: join(dir, `influx-${servers}`) });
  const client = new InfluxV1Client(server.url, 'pilothub');
  await client.ensureDatabase();
  const count = async (equipment: string) => {
    const [series] = await client.query(`SELECT count("value") FROM "reading" WHERE "equipment" = '${equipment}'`);
    return (series?.values[0]?.[1] as number | undefined) ?? 0;
  };
  return { server, client, count };
}
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

// (1) Raw limit. Bodies are built before the clock starts: this measures InfluxDB, not our line building.
const rawBodies: string[] = [];
for (let b = 0; b < RAW_POINTS / 5000; b++) {
  const lines: string[] = [];
  for (let k = 0; k < 5000; k++) {
    const n = b * 5000 + k;
    lines.push(readingToLine({ site: 'bench', equipment: 'raw', gateway: 'gw-bench' }, { p: `p${n % 50}`, v: n, t: T0 + Math.floor(n / 50) }));
  }
  rawBodies.push(lines.join('\n'));
}
/** influxd's CPU seconds per million points between two snapshots of this process tree (one influxd runs at a time). */
const influxdCpu = (before: Map<string, number>, points: number) => ((cpuBetween(before, treeCpu()).influxd ?? 0) * 1e6) / points;

async function rawLimit(writers: number): Promise<{ rate: number; influxdCpu: number }> {
  const { server, client: influx, count } = await freshInflux();
  servers++;
  const cpuBefore = treeCpu();
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: writers }, async () => {
    while (next < rawBodies.length) await influx.write(rawBodies[next++]!);
  }));
  const rate = RAW_POINTS / ((performance.now() - started) / 1000);
  const cpu = influxdCpu(cpuBefore, RAW_POINTS);
  const stored = await count('raw');
  await server.stop();
  if (stored !== RAW_POINTS) throw new Error(`raw write: ${stored} of ${RAW_POINTS} points stored`);
  return { rate, influxdCpu: cpu };
}

// (2) Sustained throughput. The publisher is its own process, as a gateway is (bench/lib/publisher.ts).

/** Broker and ingest on a fresh influxd, each in its own process: accounts, SQLite persistence, ingest with its defaults. */
async function startPipeline() {
  const influx = await freshInflux();
  const run = join(dir, `pipeline-${servers++}`);
  const users = new UserStore(join(run, 'users.sqlite'));
  await users.set({ username: 'gw-bench', role: 'gateway', site: 'bench', gateway: 'gw-bench', equipment: ['e2e', 'latency'] }, 'bench-gateway-password');
  await users.set({ username: 'ingest', role: 'ingest' }, 'bench-ingest-password');
  users.close();
  const broker = await forkBroker(run);
  const mqttUrl = `mqtt://127.0.0.1:${broker.port}`;
  const ingest = await forkIngest({
    mqttUrl, influxUrl: influx.server.url, username: 'ingest', password: 'bench-ingest-password', clientId: 'bench-ingest',
    maxBatchLines: Number(process.env.BENCH_BATCH ?? 5000), concurrentWrites: Number(process.env.BENCH_WRITES ?? 2),
    accountsFile: join(run, 'users.sqlite'),
  });
  const stop = async () => {
    await ingest.stop();
    await broker.stop();
    await influx.server.stop();
  };
  return { ...influx, mqttUrl, broker, ingest, stop };
}

/** Readings per second, and CPU seconds per million readings of each program; the publisher is the gateway's share. */
interface EndToEnd { rate: number; lost: number; seconds: number; brokerCpu: number; ingestCpu: number; influxdCpu: number; publisherCpu: number }

async function endToEnd(): Promise<EndToEnd> {
  const { mqttUrl, broker, ingest, count, stop } = await startPipeline();
  const e2eTotal = E2E_MESSAGES * E2E_PER_MESSAGE;
  const publisher = await startPublisher({ url: mqttUrl, topic: topics.data('bench', 'e2e'), messages: E2E_MESSAGES, perMessage: E2E_PER_MESSAGE, t0: T0, username: 'gw-bench', password: 'bench-gateway-password' });
  const started = performance.now();
  const cpuBefore = [broker.cpu(), ingest.cpu(), publisher.cpu()];
  const treeBefore = treeCpu();
  // The clock stops when ingest has had every write acknowledged by InfluxDB; then one count query verifies every
  // reading is there. A reading that never arrives shows as lost after the deadline.
  const written = ingest.whenWritten(e2eTotal);
  await Promise.race([Promise.all([publisher.done, written]), new Promise((r) => setTimeout(r, 120_000))]);
  const seconds = (performance.now() - started) / 1000;
  const perMillion = (s: number) => (s * 1e6) / e2eTotal;
  const cpu = { brokerCpu: perMillion(broker.cpu() - cpuBefore[0]!), ingestCpu: perMillion(ingest.cpu() - cpuBefore[1]!), influxdCpu: influxdCpu(treeBefore, e2eTotal) };
  const stored = await count('e2e');
  await stop();
  return { rate: stored / seconds, lost: e2eTotal - stored, seconds, ...cpu, publisherCpu: perMillion(publisher.cpu() - cpuBefore[2]!) };
}

const raw: Record<number, number[]> = { 2: [], 4: [] };
const e2e: EndToEnd[] = [];
for (let round = 0; round <= ROUNDS; round++) {
  const two = await rawLimit(2);
  const four = await rawLimit(4);
  const rates = { 2: two.rate, 4: four.rate };
  const last = await endToEnd();
  const what = `raw /write ${fmt(rates[2])} points/s with 2 writers, ${fmt(rates[4])} with 4 (influxd ${two.influxdCpu.toFixed(2)}/${four.influxdCpu.toFixed(2)} CPU s per million); `
    + `end to end ${fmt(last.rate)} readings/s, ${fmt(last.lost)} lost in ${last.seconds.toFixed(1)} s; CPU s per million readings: broker ${last.brokerCpu.toFixed(2)}, `
    + `ingest ${last.ingestCpu.toFixed(2)}, influxd ${last.influxdCpu.toFixed(2)}, publisher ${last.publisherCpu.toFixed(2)}`;
  if (round === 0) {
    console.log(`warm-up (not counted): ${what}`);
    continue;
  }
  raw[2]!.push(rates[2]);
  raw[4]!.push(rates[4]);
  e2e.push(last);
  console.log(`round ${round}: ${what}`);
}
const rawBest = Math.max(...Object.values(raw).map(median));
const e2eRate = median(e2e.map((r) => r.rate));
const lost = e2e.reduce((n, r) => n + r.lost, 0);

// (3) Latency at 10 000 readings/s: each message carries a marker reading; a poller notes when each marker is queryable.
const { mqttUrl, client: influx, stop } = await startPipeline();
const client = await mqtt.connectAsync(mqttUrl, { protocolVersion: 4, username: 'gw-bench', password: 'bench-gateway-password', clientId: 'bench-latency' });
(client.stream as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
const latT0 = T0;
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
console.log(`raw limit over ${ROUNDS} rounds, median (min-max): 2 writers ${withSpread(raw[2]!.map((r) => r / 1000))} k points/s, 4 writers ${withSpread(raw[4]!.map((r) => r / 1000))} k points/s`);
console.log(`end to end over ${ROUNDS} rounds: ${withSpread(e2e.map((r) => r.rate / 1000))} k readings/s; CPU seconds per million readings: `
  + `broker ${withSpread(e2e.map((r) => r.brokerCpu), 2)}, ingest ${withSpread(e2e.map((r) => r.ingestCpu), 2)}, influxd ${withSpread(e2e.map((r) => r.influxdCpu), 2)}, `
  + `publisher ${withSpread(e2e.map((r) => r.publisherCpu), 2)}`);
console.log(`ratio end-to-end / raw limit: ${(e2eRate / rawBest).toFixed(2)} (target >= 0.6; per round ${e2e.map((r) => (r.rate / rawBest).toFixed(2)).join(', ')}; `
  + `medians: ${fmt(e2eRate)} / ${fmt(rawBest)}), ${fmt(lost)} readings lost in all rounds`);

await client.endAsync();
await stop();
rmSync(dir, { recursive: true, force: true });
