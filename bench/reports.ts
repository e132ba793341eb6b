import { subscribe } from 'node:diagnostics_channel';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { reportPhases, type ReportPhases } from '../api/reports/phases.js';
import { startApi } from '../api/server.js';
import { startBroker } from '../broker/broker.js';
import { topics, type Birth, type Reading } from '../common/contracts/index.js';
import { writeReadings } from '../common/influx/rollups.js';
import { InfluxV1Client, influxString } from '../common/influx/v1-client.js';
import { startPrivateInfluxd } from '../common/runtime/influxd.js';
import { freePort } from '../common/runtime/ports.js';
import { cpuBetween, treeCpu } from './lib/cpu.js';
import { median, phaseTable, withSpread } from './lib/figures.js';

/**
 * `npm run bench -- reports` (or `node --import tsx bench/reports.ts`): loads 30 days of 1 Hz data for one
 * parameter and an 8 h run of 50 parameters at 1 Hz into a private influxd, then prints
 * - plot-mode history (maxPoints=1000) over the 30 days ÷ one raw InfluxQL max() over the same range (target ≤ 1.2),
 * - the time to issue the run's verification report through the API (target < 3 s), and where it went (the
 *   phases the API publishes on its diagnostics channel, api/reports/phases.ts), then the same for verify.
 * It prints and never asserts. Each figure is the median of several tries after one warm-up, with its spread.
 * BENCH_TRIES (default 5) sets the number of tries of a report; `npm run bench -- reports report` measures only the
 * report (no 30-day load), e.g. under `node --cpu-prof`.
 */
const SITE = 'bench';
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const RUN_FROM = T0 + 10 * DAY;
const RUN_MS = 8 * 3_600_000;
const ADMIN = { email: 'bench@pilothub.test', password: 'bench-admin-password' };
const TRIES = Number(process.env.BENCH_TRIES ?? 5);
const ONLY_REPORT = process.argv[2] === 'report';
const phases: ReportPhases[] = [];
subscribe(reportPhases.name, (message) => phases.push(message as ReportPhases));

const dir = mkdtempSync(join(tmpdir(), 'pilothub-bench-reports-'));
const influxd = await startPrivateInfluxd({ dataDir: join(dir, 'influx') });
const influx = new InfluxV1Client(influxd.url, 'pilothub');
const broker = await startBroker({ port: await freePort() });
const mqttUrl = `mqtt://127.0.0.1:${broker.port}`;
const api = await startApi({ port: await freePort(), mqttUrl, influxUrl: influxd.url, dataDir: dir, admin: ADMIN });

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await fn();
  return [performance.now() - start, value];
}

async function load(equipment: string, parameters: string[], from: number, seconds: number): Promise<number> {
  const key = { site: SITE, equipment, gateway: 'gw-bench' };
  const jobs: (() => Promise<void>)[] = [];
  for (const p of parameters) {
    for (let s = 0; s < seconds; s += 5000) {
      jobs.push(async () => {
        const readings: Reading[] = [];
        for (let i = s; i < Math.min(seconds, s + 5000); i++) readings.push({ p, t: from + i * 1000, v: 100 + 10 * Math.sin(i / 600) + (i % 7) * 0.01, q: 'good' });
        // As ingest writes them: the readings and their per-minute rollups.
        await writeReadings(influx, key, readings);
      });
    }
  }
  // Two to four writers saturate influxd on this machine kind (platform notes).
  const worker = async () => { for (let job = jobs.shift(); job; job = jobs.shift()) await job(); };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return parameters.length * seconds;
}

/** Waits until influxd has no compaction in flight (no *.tmp files), so timings do not race its background work. */
async function settle(dataDir: string, maxMs = 90_000): Promise<number> {
  const start = performance.now();
  let quiet = 0;
  while (quiet < 3 && performance.now() - start < maxMs) {
    const busy = readdirSync(dataDir, { recursive: true }).some((f) => String(f).endsWith('.tmp'));
    quiet = busy ? 0 : quiet + 1;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return performance.now() - start;
}

async function announce(equipment: string, parameters: string[]): Promise<void> {
  const birth: Birth = {
    gateway: 'gw-bench', equipment: { id: equipment, name: `Bench ${equipment}`, kind: 'bench', protocol: 'modbus' },
    parameters: parameters.map((id) => ({ id, name: id, unit: '°C', datatype: 'number' as const })), t: Date.now(),
  };
  const client = await mqtt.connectAsync(mqttUrl);
  await client.publishAsync(topics.birth(SITE, equipment), JSON.stringify(birth), { qos: 1, retain: true });
  await client.endAsync();
}

try {
  await influx.ensureDatabase();
  const token = ((await (await fetch(`${api.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })).json()) as { token: string }).token;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${await res.text()}`);
    return res.json() as Promise<Record<string, any>>;
  };
  const runParams = Array.from({ length: 50 }, (_, i) => `p${String(i).padStart(2, '0')}`);
  await announce('bench-long', ['temp']);
  await announce('bench-run', runParams);

  const [loadLongMs, longPoints] = ONLY_REPORT ? [0, 0] : await timed(() => load('bench-long', ['temp'], T0, 30 * 86_400));
  const [loadRunMs, runPoints] = await timed(() => load('bench-run', runParams, RUN_FROM, RUN_MS / 1000));
  console.log(`loaded ${longPoints} points (30 d × 1 Hz) in ${(loadLongMs / 1000).toFixed(1)} s and ${runPoints} points (8 h × 50 × 1 Hz) in ${(loadRunMs / 1000).toFixed(1)} s`);
  console.log(`waited ${((await settle(join(dir, 'influx'))) / 1000).toFixed(0)} s for influxd compactions to finish`);
  for (let i = 0; i < 100 && !(await fetch(`${api.url}/api/v1/equipment/bench-run`, { headers: { authorization: `Bearer ${token}` } })).ok; i++) await new Promise((r) => setTimeout(r, 100));

  const plotFigures = async () => {
    const from = T0;
    const to = T0 + 30 * DAY - 1000;
    const maxQuery = `SELECT max("value") FROM "reading" WHERE "equipment" = ${influxString('bench-long')} AND "parameter" = 'temp' AND time >= ${from}ms AND time <= ${to}ms`;
    const plotPath = `/api/v1/equipment/bench-long/history?parameter=temp&mode=plot&maxPoints=1000&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
    await influx.query(maxQuery);
    const plotBody = await call('GET', plotPath);
    // For comparison only: min and max per bucket straight from the raw readings, what plot mode would cost without rollups.
    const bucketMs = Math.ceil((to - from + 1) / 500);
    const oneStatement = maxQuery.replace('SELECT max("value")', 'SELECT min("value"), max("value")') + ` GROUP BY time(${bucketMs}ms, ${from % bucketMs}ms) fill(none)`;
    const maxMs: number[] = [];
    const plotMs: number[] = [];
    const oneMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      maxMs.push((await timed(() => influx.query(maxQuery)))[0]);
      plotMs.push((await timed(() => call('GET', plotPath)))[0]);
      oneMs.push((await timed(() => influx.query(oneStatement)))[0]);
    }
    console.log(`plot-mode history, 30 d at 1 Hz, ${plotBody.series[0].buckets.length} buckets: ${median(plotMs).toFixed(0)} ms; raw InfluxQL max() over the same range: ${median(maxMs).toFixed(0)} ms`);
    console.log(`plot ÷ max() = ${(median(plotMs) / median(maxMs)).toFixed(2)} (target ≤ 1.2); for comparison, raw SELECT min(), max() ÷ max() = ${(median(oneMs) / median(maxMs)).toFixed(2)}`);
  };
  if (!ONLY_REPORT) await plotFigures();
  const run = await call('POST', '/api/v1/runs', { equipmentId: 'bench-run', startedAt: new Date(RUN_FROM).toISOString() });
  await call('POST', `/api/v1/runs/${run.id}/close`, { endedAt: new Date(RUN_FROM + RUN_MS - 1000).toISOString() });
  const [coldMs, first] = await timed(() => call('POST', '/api/v1/reports', { runId: run.id, method: 'bench' }));
  let previous = first.id as string;
  const warm: number[] = [];
  const cpu: Record<string, number>[] = [];
  phases.length = 0;
  for (let i = 0; i < TRIES; i++) {
    const before = treeCpu();
    const [ms, next] = await timed(() => call('POST', `/api/v1/reports/${previous}/amendments`, { reason: `bench ${i}` }));
    cpu.push(cpuBetween(before, treeCpu()));
    warm.push(ms);
    previous = next.id as string;
    console.log(`amendment ${i + 1}: ${(ms / 1000).toFixed(2)} s, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
  }
  const issued = phases.splice(0).filter((p) => p.kind === 'issue').map((p) => p.ms);
  const verifies: number[] = [];
  for (let i = 0; i < 3; i++) {
    const [verifyMs, verify] = await timed(() => call('GET', `/api/v1/reports/${previous}/verify`));
    if (verify.result !== 'match') throw new Error(`verify answered ${verify.result}`);
    verifies.push(verifyMs);
  }
  const verified = phases.splice(0).filter((p) => p.kind === 'verify').map((p) => p.ms);
  console.log(`report generation, 8 h × 50 parameters (${first.pointCount} points, HTML + PDF + CSV + sha256): ${(median(warm) / 1000).toFixed(2)} s, `
    + `spread ${(Math.min(...warm) / 1000).toFixed(2)}-${(Math.max(...warm) / 1000).toFixed(2)} s over ${TRIES} tries (first, starting Chromium: ${(coldMs / 1000).toFixed(2)} s) (target < 3 s)`);
  console.log(`where a report's time went (median (min-max) of ${TRIES} tries; worker figures summed over 50 parameters read several at a time):`);
  console.log(phaseTable(issued, [
    ['read', 'read + analyse, wall clock'], ['influx', '  InfluxDB serving (workers waiting)'], ['decode', '  decode (workers busy)'],
    ['statistics', '  statistics + excursions'], ['chart', '  charts'], ['canonical', '  canonical CSV lines'],
    ['join', 'sha256 of the CSV'], ['html', 'assemble + HTML'], ['pdf', 'PDF'], ['pdfLoad', '  load the HTML into the page'], ['pdfPrint', '  print'], ['gzip', '  gzip of the CSV (beside the PDF)'],
    ['store', 'store (SQLite)'], ['total', 'total in the API'],
  ]));
  const programs = [...new Set(cpu.flatMap((c) => Object.keys(c)))].sort();
  console.log(`CPU seconds per report by program (median (min-max); node is the API with its worker threads): ${programs.map((p) => `${p} ${withSpread(cpu.map((c) => c[p] ?? 0), 2)}`).join(', ')}`);
  console.log(`verify (re-read and re-hash): ${withSpread(verifies.map((ms) => ms / 1000), 2)} s over 3 tries, match`);
  console.log(phaseTable(verified, [
    ['read', 'read, wall clock'], ['influx', '  InfluxDB serving (workers waiting)'], ['decode', '  decode (workers busy)'],
    ['canonical', '  canonical CSV lines'], ['join', 'sha256 of the CSV'], ['gzip', 'gunzip + sha256 of the stored copy'], ['total', 'total in the API'],
  ]));
} finally {
  await api.stop();
  await broker.stop();
  await influxd.stop();
  rmSync(dir, { recursive: true, force: true });
}
