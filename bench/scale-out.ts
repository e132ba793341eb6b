import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserStore } from '../broker/user-store.js';
import { topics } from '../common/contracts/index.js';
import { InfluxV1Client } from '../common/influx/v1-client.js';
import { startPrivateInfluxd } from '../common/runtime/influxd.js';
import { median, withSpread } from './lib/figures.js';
import { startNatsCluster } from './lib/nats-cluster.js';
import { forkBroker, forkIngest } from './lib/pipeline.js';
import { startPublisher } from './lib/publisher.js';

/**
 * `npm run bench -- scale-out` (issue #18): end-to-end readings per second from a publisher (the gateway's share)
 * through the broker and ingest into InfluxDB, on a three-node NATS server cluster (JetStream, three replicas; the
 * publisher on node 1, ingest on node 2, so every message crosses the cluster) against aedes, as `npm start` runs it
 * (SQLite persistence), in the same run: BENCH_ROUNDS (default 3) interleaved rounds after one warm-up round of each,
 * each on a fresh influxd, every reading verified by a count query. Prints CPU seconds per million readings of the
 * broker (the three nats-server processes together) and ingest. Prints, never asserts.
 * Not measured here: two API instances on PostgreSQL against one on SQLite; pilothub has no PostgreSQL yet.
 */
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1000);
const PER_MESSAGE = 500;
const TOTAL = MESSAGES * PER_MESSAGE;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const T0 = Date.UTC(2026, 0, 1);
const GATEWAY = { username: 'gw-bench', password: 'bench-gateway-password' };
const INGEST = { username: 'ingest', password: 'bench-ingest-password' };

const dir = mkdtempSync(join(tmpdir(), 'pilothub-bench-scale-out-'));
const usersFile = join(dir, 'users.sqlite');
const users = new UserStore(usersFile);
await users.set({ username: GATEWAY.username, role: 'gateway', site: 'bench', gateway: GATEWAY.username, equipment: ['e2e'] }, GATEWAY.password);
await users.set({ username: INGEST.username, role: 'ingest' }, INGEST.password);
const accounts = users.listWithBcrypt();
users.close();

interface Round { rate: number; lost: number; brokerCpu: number; ingestCpu: number }
type Broker = { publishUrl: string; ingestUrl: string; cpu(): number; stop(): Promise<void> };

let runs = 0;
async function endToEnd(startBroker: (run: string) => Promise<Broker>): Promise<Round> {
  const run = join(dir, `run-${runs++}`);
  mkdirSync(run);
  const influxd = await startPrivateInfluxd({ dataDir: join(run, 'influx') });
  const influx = new InfluxV1Client(influxd.url, 'pilothub');
  await influx.ensureDatabase();
  const broker = await startBroker(run);
  const ingest = await forkIngest({ mqttUrl: broker.ingestUrl, influxUrl: influxd.url, ...INGEST, clientId: 'bench-ingest', accountsFile: usersFile });
  const publisher = await startPublisher({ url: broker.publishUrl, topic: topics.data('bench', 'e2e'), messages: MESSAGES, perMessage: PER_MESSAGE, t0: T0, ...GATEWAY });
  const before = [broker.cpu(), ingest.cpu()];
  const started = performance.now();
  await Promise.race([Promise.all([publisher.done, ingest.whenWritten(TOTAL)]), new Promise((r) => setTimeout(r, 180_000))]);
  const seconds = (performance.now() - started) / 1000;
  const perMillion = (s: number) => (s * 1e6) / TOTAL;
  const cpu = { brokerCpu: perMillion(broker.cpu() - before[0]!), ingestCpu: perMillion(ingest.cpu() - before[1]!) };
  const [series] = await influx.query(`SELECT count("value") FROM "reading" WHERE "equipment" = 'e2e'`);
  const stored = (series?.values[0]?.[1] as number | undefined) ?? 0;
  await ingest.stop();
  await broker.stop();
  await influxd.stop();
  return { rate: stored / seconds, lost: TOTAL - stored, ...cpu };
}

const aedes = async (run: string): Promise<Broker> => {
  const broker = await forkBroker(run, usersFile);
  const url = `mqtt://127.0.0.1:${broker.port}`;
  return { publishUrl: url, ingestUrl: url, cpu: broker.cpu, stop: broker.stop };
};
const nats = async (run: string): Promise<Broker> => {
  const cluster = await startNatsCluster(run, accounts, INGEST);
  const [n1, n2, n3] = cluster.urls as [string, string, string];
  return { publishUrl: n1, ingestUrl: [n2, n3, n1].join(','), cpu: cluster.cpu, stop: cluster.stop };
};

const results: Record<'aedes' | 'nats', Round[]> = { aedes: [], nats: [] };
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
for (let round = 0; round <= ROUNDS; round++) {
  for (const [name, start] of [['aedes', aedes], ['nats', nats]] as const) {
    const r = await endToEnd(start);
    console.log(`${round === 0 ? 'warm-up (not counted)' : `round ${round}`} ${name}: ${fmt(r.rate)} readings/s, ${fmt(r.lost)} lost; CPU s per million readings: broker ${r.brokerCpu.toFixed(2)}, ingest ${r.ingestCpu.toFixed(2)}`);
    if (round > 0) results[name].push(r);
  }
}
for (const name of ['aedes', 'nats'] as const) {
  const rs = results[name];
  console.log(`${name === 'aedes' ? 'aedes (SQLite persistence)' : 'NATS 3-node cluster (JetStream, 3 replicas)'}: ${withSpread(rs.map((r) => r.rate / 1000))} k readings/s; `
    + `CPU s per million readings: broker ${withSpread(rs.map((r) => r.brokerCpu), 2)}, ingest ${withSpread(rs.map((r) => r.ingestCpu), 2)}; ${fmt(rs.reduce((n, r) => n + r.lost, 0))} lost`);
}
console.log(`end to end through the NATS cluster / through aedes: ${(median(results.nats.map((r) => r.rate)) / median(results.aedes.map((r) => r.rate))).toFixed(2)} (medians over ${ROUNDS} rounds)`);
console.log('not measured: two API instances on PostgreSQL against one on SQLite (pilothub has no PostgreSQL yet, issue #18)');
rmSync(dir, { recursive: true, force: true });
