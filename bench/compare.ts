import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startApi } from '../api/server.js';
import { startBroker } from '../broker/broker.js';
import { topics, type Birth, type Reading } from '../common/contracts/index.js';
import { MEASUREMENT } from '../common/influx/layout.js';
import { writeReadings } from '../common/influx/rollups.js';
import { startPrivateInfluxd } from '../common/runtime/influxd.js';
import { InfluxV1Client } from '../common/influx/v1-client.js';
import { freePort } from '../common/runtime/ports.js';
import { median, msSpread, timedTries } from './lib/figures.js';

/**
 * `npm run bench -- compare` (issue #17): 20 runs × 10 parameters × 8 h at 1 Hz (5.76 M points, rollups included)
 * in a private influxd; then through the API the overlay of all 20 in plot mode aligned on a phase (target < 1 s),
 * the same aligned on the start, and an envelope over the 20 as reference runs (target < 2 s), beside a baseline in
 * the same run: one InfluxQL max() over every point compared. The runs are closed while the API's clock is still
 * before their ends, so the first figures are of unsealed runs (read raw); then the clock moves past them and the
 * API's sealer (delay 0) seals them (each seal's time is a figure of its own) and the figures are taken again.
 * Each figure is the median of several tries after a warm-up, with min and max. It prints and never asserts.
 */
const RUNS = 20;
const PARAMETERS = Array.from({ length: 10 }, (_, i) => `p${i}`);
const HOURS = 8;
const HOUR = 3_600_000;
const FROM = Date.UTC(2026, 0, 5);
const TRIES = 5;
/** Tries of the unsealed (raw) figures: each takes seconds to tens of seconds. */
const RAW_TRIES = 3;
const ADMIN = { email: 'bench@pilothub.test', password: 'bench-admin-password' };
process.env.PILOTHUB_TIME_ZONE = 'UTC';

const dir = mkdtempSync(join(tmpdir(), 'pilothub-bench-compare-'));
const influxd = await startPrivateInfluxd({ dataDir: join(dir, 'influx') });
const influx = new InfluxV1Client(influxd.url, 'pilothub', 120_000);
const broker = await startBroker({ port: await freePort() });
// The API's clock: before the runs' ends while they are read unsealed, then after them so the sealer takes them.
let clock = FROM;
const sealMs = new Map<string, number>();
const api = await startApi({
  port: await freePort(), mqttUrl: `mqtt://127.0.0.1:${broker.port}`, influxUrl: influxd.url, dataDir: dir, admin: ADMIN, now: () => clock,
  runSeal: { delayMs: 0, tickMs: 100, onSealed: (runId, ms) => sealMs.set(runId, ms) },
});

const tries = (fn: () => Promise<unknown> | unknown) => timedTries(TRIES, fn);

try {
  await influx.ensureDatabase();
  const birth: Birth = {
    gateway: 'gw-bench', equipment: { id: 'bench-r', name: 'Bench reactor', kind: 'reactor', protocol: 'opcua' }, t: Date.now(),
    parameters: [{ id: 'batch_state', name: 'Batch state', unit: '', datatype: 'string' }, ...PARAMETERS.map((id) => ({ id, name: id, unit: '°C', datatype: 'number' as const }))],
  };
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`);
  await client.publishAsync(topics.birth('bench', 'bench-r'), JSON.stringify(birth), { qos: 1, retain: true });
  await client.endAsync();
  const session = ((await (await fetch(`${api.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })).json()) as { token: string }).token;
  // An API key, not a session: it outlives the clock's jump past the runs (more than a session's 7 days).
  const token = ((await (await fetch(`${api.url}/api/v1/api-keys`, { method: 'POST', headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench' }) })).json()) as { key: string }).key;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${await res.text()}`);
    return res.json() as Promise<{ id: string }>;
  };
  for (let i = 0; i < 50 && !(await fetch(`${api.url}/api/v1/equipment/bench-r`, { headers: { authorization: `Bearer ${token}` } })).ok; i++) await new Promise((r) => setTimeout(r, 100));

  // Each run starts every 10 h, heats after 20-40 min, then follows one profile per parameter with some noise.
  const loadStart = performance.now();
  const runIds: string[] = [];
  for (let r = 0; r < RUNS; r++) {
    const start = FROM + r * 10 * HOUR;
    const heat = start + (20 + r) * 60_000;
    const readings: Reading[] = [{ p: 'batch_state', v: 'charging', t: start }, { p: 'batch_state', v: 'heating', t: heat }];
    for (let s = 0; s < HOURS * 3600; s++) {
      const t = start + s * 1000;
      const phase = (t - heat) / HOUR;
      for (let j = 0; j < PARAMETERS.length; j++) readings.push({ p: PARAMETERS[j]!, v: 20 + 10 * j + (phase > 0 ? 40 * Math.min(1, phase) : 0) + Math.sin(s / 97 + j) + Math.random(), t });
    }
    const key = { site: 'bench', equipment: 'bench-r', gateway: 'gw-bench' };
    const chunks = Array.from({ length: Math.ceil(readings.length / 5000) }, (_, i) => readings.slice(i * 5000, (i + 1) * 5000));
    await Promise.all([0, 1, 2].map(async (w) => { for (let i = w; i < chunks.length; i += 3) await writeReadings(influx, key, chunks[i]!); }));
  }
  for (let r = 0; r < RUNS; r++) {
    const start = FROM + r * 10 * HOUR;
    const run = await call('POST', '/api/v1/runs', { equipmentId: 'bench-r', startedAt: new Date(start).toISOString() });
    await call('POST', `/api/v1/runs/${run.id}/close`, { endedAt: new Date(start + HOURS * HOUR).toISOString() });
    runIds.push(run.id);
  }
  console.log(`loaded ${RUNS} runs × ${PARAMETERS.length} parameters × ${HOURS} h at 1 Hz (${(RUNS * PARAMETERS.length * HOURS * 3600 / 1e6).toFixed(2)} M points) in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);

  const filter = PARAMETERS.map((p) => `"parameter" = '${p}'`).join(' OR ');
  const baseline = await tries(() => influx.query(`SELECT max("value") FROM "${MEASUREMENT}" WHERE "equipment" = 'bench-r' AND (${filter}) AND time >= ${FROM}ms AND time < ${FROM + RUNS * 10 * HOUR}ms GROUP BY "parameter"`));
  const q = `runs=${runIds.join(',')}&parameters=${PARAMETERS.join(',')}`;
  const overlay = () => call('GET', `/api/v1/runs/compare?${q}&align=phase&phase=heating`);
  const sigma = (recipe: string) => () => call('POST', '/api/v1/envelopes', { recipe, referenceRuns: runIds, parameters: PARAMETERS, align: 'phase', phase: 'heating', bucket: '1m', method: 'sigma', k: 3 });
  const rawOverlay = await timedTries(RAW_TRIES, overlay);
  const rawEnvelope = await timedTries(RAW_TRIES, sigma('bench-raw'));

  const sealStart = performance.now();
  clock = FROM + RUNS * 10 * HOUR;
  while (sealMs.size < RUNS) await new Promise((r) => setTimeout(r, 50));
  const sealAll = performance.now() - sealStart;

  const phase = await tries(overlay);
  const start = await tries(() => call('GET', `/api/v1/runs/compare?${q}&align=start`));
  const envelope = await tries(sigma('bench'));
  const minmax = await tries(() => call('POST', '/api/v1/envelopes', { recipe: 'bench-minmax', referenceRuns: runIds, parameters: PARAMETERS, align: 'phase', phase: 'heating', bucket: '1m', method: 'minmax' }));
  console.log(`baseline, one InfluxQL max() over every compared point: ${msSpread(baseline)}`);
  console.log(`unsealed runs (count and means read raw): overlay aligned on a phase ${msSpread(rawOverlay)}; envelope mean ± 3σ ${msSpread(rawEnvelope)}`);
  console.log(`seal, per run (rebuild of its 8 h × 10 parameters with count and sum): ${msSpread([...sealMs.values()])}; all ${RUNS} by the API's sealer: ${(sealAll / 1000).toFixed(1)} s`);
  console.log(`overlay, plot mode (1000 values per run and parameter), aligned on a phase: ${msSpread(phase)}; ÷ baseline ${(median(phase) / median(baseline)).toFixed(2)} (target < 1 000 ms)`);
  console.log(`overlay, plot mode, aligned on the start: ${msSpread(start)}`);
  console.log(`envelope mean ± 3σ over 20 reference runs, 1 min buckets: ${msSpread(envelope)}; ÷ baseline ${(median(envelope) / median(baseline)).toFixed(2)} (target < 2 000 ms)`);
  console.log(`envelope min/max over 20 reference runs, 1 min buckets: ${msSpread(minmax)}`);
} finally {
  await api.stop();
  await broker.stop();
  await influxd.stop();
  rmSync(dir, { recursive: true, force: true });
}
