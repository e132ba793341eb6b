import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../api/db/index.js';
import { startApi } from '../api/server.js';
import { startBroker } from '../broker/broker.js';
import { startPrivateInfluxd } from '../common/runtime/influxd.js';
import { freePort } from '../common/runtime/ports.js';
import { loadHistory } from './lib/service-history.js';
import { median, msSpread, timedTries } from './lib/figures.js';

/**
 * `npm run bench -- service-report`: a year of history for 200 equipment and 20 000 runs in the metadata database,
 * then the yearly service report through the API: JSON by month (target < 2 s), XLSX (target < 5 s), CSV and the
 * provenance list, beside a baseline measured in the same run: reading the year's runs alone from SQLite. Each figure
 * is the median of several tries after a warm-up, with min and max. It prints and never asserts.
 */
const DAY = 86_400_000;
const FROM = Date.UTC(2025, 0, 1);
const TO = Date.UTC(2026, 0, 1);
const TRIES = 7;
const ADMIN = { email: 'bench@pilothub.test', password: 'bench-admin-password' };
process.env.PILOTHUB_TIME_ZONE = 'UTC';

const dir = mkdtempSync(join(tmpdir(), 'pilothub-bench-service-'));
const influxd = await startPrivateInfluxd({ dataDir: join(dir, 'influx') });
const broker = await startBroker({ port: await freePort() });
const api = await startApi({ port: await freePort(), mqttUrl: `mqtt://127.0.0.1:${broker.port}`, influxUrl: influxd.url, dataDir: dir, admin: ADMIN, now: () => TO });

const tries = (fn: () => Promise<unknown> | unknown) => timedTries(TRIES, fn);

try {
  const db = openDatabase(join(dir, 'pilothub.db'));
  const loadStart = performance.now();
  const loaded = loadHistory(db, { equipment: 200, runs: 20_000, orgs: 20, from: FROM, days: 365 });
  console.log(`loaded ${loaded.runs} runs and ${loaded.bookings} bookings on 200 equipment over 2025 in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
  const token = ((await (await fetch(`${api.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })).json()) as { token: string }).token;
  const get = async (path: string) => {
    const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`GET ${path} -> ${res.status}: ${await res.text()}`);
    return Buffer.from(await res.arrayBuffer());
  };
  const window = `from=${new Date(FROM).toISOString()}&to=${new Date(TO).toISOString()}`;
  const readRuns = db.prepare('SELECT * FROM runs WHERE ended_at > ? AND started_at < ?');
  const baseline = await tries(() => readRuns.all(FROM, TO));
  const json = await tries(() => get(`/api/v1/service-report?${window}&groupBy=month`));
  const yearly = await tries(() => get(`/api/v1/service-report?${window}&groupBy=year`));
  const xlsx = await tries(() => get(`/api/v1/service-report?${window}&groupBy=month&format=xlsx`));
  const csv = await tries(() => get(`/api/v1/service-report?${window}&groupBy=month&format=csv`));
  const runs = await tries(() => get(`/api/v1/service-report/runs?${window}`));
  console.log(`baseline, reading the year's 20 000 runs from SQLite in process: ${msSpread(baseline)}`);
  console.log(`yearly report JSON by month (2 400 equipment rows): ${msSpread(json)}; ÷ baseline ${(median(json) / median(baseline)).toFixed(1)} (target < 2 000 ms)`);
  console.log(`yearly report JSON as one year: ${msSpread(yearly)}`);
  console.log(`yearly report XLSX by month: ${msSpread(xlsx)} (target < 5 000 ms), ${((await get(`/api/v1/service-report?${window}&groupBy=month&format=xlsx`)).length / 1024).toFixed(0)} KiB`);
  console.log(`yearly report CSV by month: ${msSpread(csv)}`);
  console.log(`provenance list, first page (10 000 of the 20 000 runs; totalHours over all): ${msSpread(runs)}`);
  const report = JSON.parse((await get(`/api/v1/service-report?${window}&groupBy=year`)).toString('utf8')) as { totals: { band: string; equipment: number; effectiveHours: number; externalHours: number; sharingRate: number; averageEffectiveHours: number; averageExternalHours: number; incomeInternal: number; incomeExternal: number; orgsServed: number; reportsIssued: number; meetingNorm: number }[] };
  for (const t of report.totals) {
    console.log(`figures 2025, ${t.band}: ${t.equipment} equipment, effective ${t.effectiveHours.toFixed(0)} h (avg ${t.averageEffectiveHours.toFixed(1)} h), external ${t.externalHours.toFixed(0)} h (avg ${t.averageExternalHours.toFixed(1)} h), sharing rate ${(t.sharingRate * 100).toFixed(1)} %, income ${t.incomeInternal.toFixed(0)} + ${t.incomeExternal.toFixed(0)}, ${t.orgsServed} organisations served, ${t.reportsIssued} reports, ${t.meetingNorm} meeting the 800 h norm`);
  }
  db.close();
  console.log(`(history window ${(TO - FROM) / DAY} days, time zone UTC)`);
} finally {
  await api.stop();
  await broker.stop();
  await influxd.stop();
  rmSync(dir, { recursive: true, force: true });
}
