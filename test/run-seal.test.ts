import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { topics, type Birth, type Reading } from '../common/contracts/index.js';
import { readingsToLines } from '../common/influx/layout.js';
import { floorMinute, ROLLUP_MEASUREMENT } from '../common/influx/rollups.js';
import { rollupMismatches } from './helpers/rollups.js';
import * as start from './helpers/servers.js';
import { teardown } from './helpers/teardown.js';
import { testClock } from './sharing-fixture.js';

/**
 * Sealed runs (docs/compare.md "Sealed runs"): readings go through a real broker and ingest into a real influxd;
 * the API (real HTTP and SQLite, its clock moved by hand for the seal delay) seals closed runs, and compare and
 * envelopes read their count and mean from the rollups' exact per-minute count and sum.
 */
const SITE = 'hall-z';
const EQUIPMENT = 'reactor-z';
const S = 1000;
const MIN = 60_000;
const HOUR = 3_600_000;
const DELAY = 3 * HOUR;
// Three hours back, so every reading is older than ingest's late-reading age and a run past the seal delay is in reach.
const T0 = floorMinute(Date.now()) - 3 * HOUR;
const RUN_A = { from: T0 + 20_500, to: T0 + 10 * MIN + 30_500 };
const RUN_B = { from: T0 + HOUR + 20_500, to: T0 + HOUR + 10 * MIN + 30_500 };
/** Shorter than a minute's worth of whole minutes, across one minute's end: two partial minutes. */
const RUN_C = { from: T0 + 2 * HOUR + 150_500, to: T0 + 2 * HOUR + 230_500 };
const PARAMETERS = ['temp', 'pressure'];

/** 12 minutes at 1 Hz from `from` (a whole minute), heating from its 3rd minute; `shift` makes runs differ. */
function batch(from: number, shift: number): Reading[] {
  const out: Reading[] = [{ p: 'batch_state', v: 'charging', t: from }, { p: 'batch_state', v: 'heating', t: from + 3 * MIN }];
  for (let i = 0; i < 720; i++) {
    out.push({ p: 'temp', v: 20 + shift + i * 0.37 + Math.sin(i / 7) * 3.1, t: from + i * S }, { p: 'pressure', v: 1 + ((i * 7919) % 113) / 1000, t: from + i * S });
  }
  return out;
}

/** Relative closeness for means from sums added in another order. */
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

describe('sealed runs', () => {
  const clock = testClock(Date.now());
  let s: { influx: Awaited<ReturnType<typeof start.influxd>>; api: start.TestApi; publish(readings: Reading[]): Promise<void>; sealedAt(id: string): number | null; dataDir: string };
  let a: string; let b: string; let c: string;
  let rawShort: any;
  let raw: any; let rawCoarse: any; let rawEnvelope: any;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await s.api.fetch(path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
    const json = await res.json() as any;
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${JSON.stringify(json)}`);
    return json;
  };
  const compare = (maxPoints = 1000) => call('GET', `/api/v1/runs/compare?runs=${a},${b}&parameters=${PARAMETERS.join(',')}&align=phase&phase=heating&maxPoints=${maxPoints}`);
  const envelope = () => call('POST', '/api/v1/envelopes', { recipe: 'seal', referenceRuns: [a, b], parameters: PARAMETERS, method: 'sigma', k: 3, bucket: '1m', align: 'phase', phase: 'heating' });
  const stats = (c: any, run: string, p: string) => c.statistics.find((x: any) => x.parameter === p).runs.find((r: any) => r.runId === run);
  const rawCount = async (p: string, w: { from: number; to: number }) => (await s.influx.client.query(`SELECT count("value") FROM "reading" WHERE "equipment" = '${EQUIPMENT}' AND "parameter" = '${p}' AND time >= ${w.from}ms AND time < ${w.to}ms`))[0]?.values[0]?.[1];

  beforeAll(async () => {
    const influx = await start.influxd();
    await influx.client.ensureDatabase();
    const broker = await start.broker();
    await start.ingest({ mqttUrl: broker.url, influxUrl: influx.url, clientId: 'ingest-seal', maxBatchDelayMs: 10 });
    const dataDir = start.tempDir('pilothub-api-');
    const api = await start.api({ dataDir, mqttUrl: broker.url, influxUrl: influx.url, now: clock.now, runSeal: { delayMs: DELAY, tickMs: 100, clockToleranceMs: 0 } });
    const publisher = await mqtt.connectAsync(broker.url, { clientId: 'seal-publisher' });
    teardown(() => publisher.endAsync());
    let seq = 0;
    // The broker acknowledges on receipt; ingest stores the readings, then (in one round) late markers and rollups.
    const publish = async (readings: Reading[]) => {
      for (let i = 0; i < readings.length; i += 200) {
        await publisher.publishAsync(topics.data(SITE, EQUIPMENT), JSON.stringify({ gateway: 'gw-z', seq: ++seq, readings: readings.slice(i, i + 200) }), { qos: 1 });
      }
    };
    const birth: Birth = { gateway: 'gw-z', equipment: { id: EQUIPMENT, name: 'Sealed reactor', kind: 'reactor', protocol: 'opcua' }, t: Date.now(),
      parameters: [{ id: 'batch_state', name: 'Batch state', unit: '', datatype: 'string' }, ...PARAMETERS.map((id) => ({ id, name: id, unit: '°C', datatype: 'number' as const }))] };
    await publisher.publishAsync(topics.birth(SITE, EQUIPMENT), JSON.stringify(birth), { qos: 1, retain: true });
    const db = new Database(join(dataDir, 'pilothub.db'), { readonly: true });
    teardown(() => db.close());
    s = { influx, api, publish, dataDir, sealedAt: (id) => db.prepare('SELECT sealed_at FROM runs WHERE id = ?').pluck().get(id) as number | null };
    await start.eventually('equipment registered', async () => ((await api.fetch(`/api/v1/equipment/${EQUIPMENT}`)).ok ? true : undefined));

    const first = batch(T0, 0);
    await publish(first);
    // A message delivered twice (as after an ingest restart): the same readings written again.
    await publish(first.slice(400, 600));
    await publish(batch(T0 + HOUR, 4));
    await publish(batch(T0 + 2 * HOUR, 8));
    await start.eventually('readings and rollups stored', async () => {
      const counts = await Promise.all([T0, T0 + HOUR, T0 + 2 * HOUR].map((from) => rawCount('temp', { from, to: from + HOUR })));
      const mismatches = await rollupMismatches(influx.client, EQUIPMENT, T0, T0 + 3 * HOUR);
      return counts.every((n) => n === 720) && !mismatches.length ? true : undefined;
    });
    a = (await call('POST', '/api/v1/runs', { equipmentId: EQUIPMENT, startedAt: new Date(RUN_A.from).toISOString() })).id;
    await call('POST', `/api/v1/runs/${a}/close`, { endedAt: new Date(RUN_A.to).toISOString() });
    b = (await call('POST', '/api/v1/runs', { equipmentId: EQUIPMENT, startedAt: new Date(RUN_B.from).toISOString() })).id;
    await call('POST', `/api/v1/runs/${b}/close`, { endedAt: new Date(RUN_B.to).toISOString() });
    c = (await call('POST', '/api/v1/runs', { equipmentId: EQUIPMENT, startedAt: new Date(RUN_C.from).toISOString() })).id;
    await call('POST', `/api/v1/runs/${c}/close`, { endedAt: new Date(RUN_C.to).toISOString() });
    raw = await compare();
    // Buckets of a minute and more (4 values per run): a sealed run's are read with its sums in one go.
    rawCoarse = await compare(8);
    rawShort = await call('GET', `/api/v1/runs/compare?runs=${a},${c}&parameters=temp&align=start&maxPoints=8`);
    rawEnvelope = await envelope();
  }, 120_000);

  it('seals a closed run once the seal delay has passed since its end, not before', async () => {
    clock.set(RUN_B.to + DELAY - 2 * S);
    await new Promise((r) => setTimeout(r, 1000));
    expect(s.sealedAt(b)).toBeNull();
    clock.set(RUN_B.to + DELAY + S);
    const before = Date.now();
    await start.eventually('both runs sealed', () => (s.sealedAt(a) !== null && s.sealedAt(b) !== null ? true : undefined));
    expect(s.sealedAt(b)).toBeGreaterThanOrEqual(before);
  });

  it('reads a sealed run\'s count exactly and its mean to rounding from the rollups, a redelivered message counted once', async () => {
    // 1 Hz readings at whole seconds 21..630 of the 12 minutes.
    expect(stats(raw, a, 'temp').count).toBe(610);
    const sealed = await compare();
    for (const p of PARAMETERS) {
      for (const run of [a, b]) {
        const [x, y] = [stats(sealed, run, p), stats(raw, run, p)];
        expect(x.count).toBe(y.count);
        expect(close(x.mean, y.mean), `${p} of ${run}: ${x.mean} vs ${y.mean}`).toBe(true);
        expect([x.min, x.max]).toEqual([y.min, y.max]);
      }
    }
    // Minute buckets and statistics of sealed runs from their rebuild points alone equal those read before the seal.
    const coarse = await compare(8);
    expect(coarse.axis.bucket).toBeGreaterThanOrEqual(MIN);
    expect(coarse.series).toEqual(rawCoarse.series);
    for (const p of PARAMETERS) {
      for (const run of [a, b]) {
        const [x, y] = [stats(coarse, run, p), stats(rawCoarse, run, p)];
        expect([x.count, x.min, x.max]).toEqual([y.count, y.min, y.max]);
        expect(close(x.mean, y.mean)).toBe(true);
      }
    }
    // A sealed run shorter than its partial minutes: each minute where it was, not folded into one.
    clock.set(RUN_C.to + DELAY + S);
    await start.eventually('the short run sealed', () => (s.sealedAt(c) !== null ? true : undefined));
    const short = await call('GET', `/api/v1/runs/compare?runs=${a},${c}&parameters=temp&align=start&maxPoints=8`);
    expect(short.series).toEqual(rawShort.series);
    expect(short.series[0].runs[1].buckets.length).toBe(2);
    // The rollups' counts are the raw counts of their minutes, the twice-written readings included once.
    const whole = { from: T0 + MIN, to: T0 + 10 * MIN };
    const [rollup] = await s.influx.client.query(`SELECT sum("count") FROM "${ROLLUP_MEASUREMENT}" WHERE "equipment" = '${EQUIPMENT}' AND "parameter" = 'temp' AND time >= ${whole.from}ms AND time < ${whole.to}ms`);
    expect(rollup?.values[0]?.[1]).toBe(540);
    expect(await rawCount('temp', whole)).toBe(540);
  });

  it('builds an envelope from sealed runs\' per-minute sums equal to the one from raw values', async () => {
    // Straight into InfluxDB, past ingest: unmarked, so the sealed sums (in use) do not see it; raw values would.
    await s.influx.client.write([readingsToLines({ site: SITE, equipment: EQUIPMENT, gateway: 'gw-z' }, [{ p: 'temp', v: 500, t: T0 + 5 * MIN + 200 }])]);
    expect(await rawCount('temp', RUN_A)).toBe(611);
    const sealed = await envelope();
    for (const p of PARAMETERS) {
      const [x, y] = [sealed.parameters.find((q: any) => q.id === p).buckets, rawEnvelope.parameters.find((q: any) => q.id === p).buckets];
      expect(x.map((bk: any) => [bk.offsetMs, bk.runs])).toEqual(y.map((bk: any) => [bk.offsetMs, bk.runs]));
      x.forEach((bk: any, i: number) => {
        for (const f of ['mean', 'low', 'high']) expect(close(bk[f], y[i][f]), `${p} ${bk.offsetMs} ${f}: ${bk[f]} vs ${y[i][f]}`).toBe(true);
      });
    }
  });

  it('includes a reading stored through ingest after the seal: its late marker makes compare read the run raw and seal it again', async () => {
    // The reading written past ingest above is not seen while the seal stands.
    expect(stats(await compare(), a, 'temp').count).toBe(610);

    const sealedAt = s.sealedAt(a)!;
    await s.publish([{ p: 'temp', v: 1000, t: T0 + 7 * MIN + 500 }]);
    // Its marker is written once the reading is stored, before ingest acknowledges the message.
    await start.eventually('a late marker newer than the seal', async () => ((await s.influx.client.query(`SELECT count("writtenAt") FROM "reading_late" WHERE "writtenAt" > ${sealedAt}`))[0]?.values[0]?.[1] === 1 ? true : undefined));
    const after = stats(await compare(), a, 'temp');
    expect(after.count).toBe(612);
    expect(after.max).toBe(1000);
    expect(close(after.mean, stats(raw, a, 'temp').mean + (1500 - 2 * stats(raw, a, 'temp').mean) / 612)).toBe(true);
    // Asked to seal again by that compare; the new seal holds both readings.
    await start.eventually('run sealed again', () => (s.sealedAt(a)! > sealedAt ? true : undefined));
    const resealed = stats(await compare(), a, 'temp');
    expect(resealed.count).toBe(612);
    expect(close(resealed.mean, after.mean)).toBe(true);
  });

  it('clears a run\'s seal when its window is corrected, and seals the new window', async () => {
    const sealedAt = s.sealedAt(b)!;
    await call('PATCH', `/api/v1/runs/${b}`, { endedAt: new Date(RUN_B.to - MIN).toISOString(), note: 'ended a minute earlier' });
    expect(s.sealedAt(b)).toBeNull();
    await start.eventually('the corrected run sealed', () => (s.sealedAt(b)! > sealedAt ? true : undefined));
    expect(stats(await compare(), b, 'temp').count).toBe(550);
  });

  it('leaves a run another API process is sealing to it, and seals it once that claim has run out', async () => {
    const db = new Database(join(s.dataDir, 'pilothub.db'));
    db.pragma('busy_timeout = 5000');
    teardown(() => db.close());
    const claim = db.prepare('UPDATE runs SET sealing_until = ? WHERE id = ?');
    // Another process's claim, then a correction that needs a new seal.
    claim.run(Date.now() + HOUR, b);
    await call('PATCH', `/api/v1/runs/${b}`, { endedAt: new Date(RUN_B.to).toISOString(), note: 'end as first recorded' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(s.sealedAt(b)).toBeNull();
    // That process died: its claim runs out, and this one seals the run.
    claim.run(Date.now() - 1, b);
    await start.eventually('the run sealed after the claim ran out', () => (s.sealedAt(b) !== null ? true : undefined));
    expect(db.prepare('SELECT sealing_until FROM runs WHERE id = ?').pluck().get(b)).toBeNull();
    expect(stats(await compare(), b, 'temp').count).toBe(610);
  });
});
