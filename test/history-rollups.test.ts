import { spawnSync } from 'node:child_process';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { topics, type Reading, type ReadingBatch } from '../common/contracts/index.js';
import { readingsToLines } from '../common/influx/layout.js';
import { ensureRollups } from '../common/influx/rollup-rebuild.js';
import { extremesOf, ROLLUP_MEASUREMENT, RollupAccumulator, writeReadings } from '../common/influx/rollups.js';
import { historyStack, iso } from './history-fixture.js';
import { eventually, influxd, ingest } from './helpers/pipeline.js';
import { rollupMismatches } from './helpers/rollups.js';
import { teardown } from './helpers/teardown.js';
import { SITE } from './sharing-fixture.js';

type Stack = Awaited<ReturnType<typeof historyStack>>;
type Bucket = { t: number; min: number; max: number };
const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 6, 8, 0, 0);
/** 2 h at 1 Hz of a slow wave, every value distinct from the spikes the tests add. */
const wave = (from: number, seconds: number, p = 'temp'): Reading[] =>
  Array.from({ length: seconds }, (_, i) => ({ p, t: from + i * 1000, v: 100 + Math.sin((from - T0) / 1000 + i / 300) }));

describe('extremesOf', () => {
  it('keeps each parameter\'s minutes apart, in any order, and only numeric values', () => {
    const key = { site: 's', equipment: 'e', gateway: 'g' };
    const readings: Reading[] = [
      { p: 'a', t: T0 + 1000, v: 5 }, { p: 'b', t: T0 + 1000, v: 50 }, { p: 'a', t: T0 + MIN + 1, v: 7 },
      { p: 'a', t: T0 + 2000, v: 3 }, { p: 'a', t: T0 + 3000, v: 9 }, { p: 'b', t: T0 + 2000, v: true }, { p: 'b', t: T0 + 3000, v: null, q: 'bad' },
      { p: 'a', t: T0 + MIN + 2, v: 8 }, { p: 'b', t: T0 + 4000, v: 40 }, { p: 'c', t: T0, v: 'text' },
    ];
    expect(extremesOf(key, readings)!.minutes).toEqual([
      { parameter: 'a', minute: T0, min: 3, max: 9 }, { parameter: 'b', minute: T0, min: 40, max: 50 }, { parameter: 'a', minute: T0 + MIN, min: 7, max: 8 },
    ]);
    expect(extremesOf(key, [{ p: 'c', t: T0, v: 'text' }])).toBeUndefined();
  });
});

describe('RollupAccumulator', () => {
  it('moves the minutes of a failed write to new times, so a late landing of it cannot overwrite what follows', () => {
    const rollups = new RollupAccumulator();
    rollups.add({ key: { site: 's', equipment: 'e', gateway: 'g' }, minutes: [{ parameter: 'a', minute: T0, min: 1, max: 5 }, { parameter: 'b', minute: T0, min: 2, max: 2 }] });
    const taken = rollups.takeChanged();
    expect(taken).toHaveLength(2);
    expect(rollups.takeChanged()).toEqual([]);
    const failed = rollups.lines(taken).toString();
    rollups.restamp(taken);
    const again = rollups.lines(taken).toString();
    const stamps = (body: string) => body.split('\n').map((line) => line.split(' ')[2]!);
    for (const stamp of [...stamps(failed), ...stamps(again)]) {
      expect(BigInt(stamp) > BigInt(T0) * 1_000_000n && BigInt(stamp) < BigInt(T0 + MIN) * 1_000_000n).toBe(true);
    }
    expect(stamps(again).filter((st) => stamps(failed).includes(st))).toEqual([]);
    expect(again.replace(/ \d+/g, '')).toBe(failed.replace(/ \d+/g, ''));
  });
});

describe('plot mode from per-minute rollups, against a real InfluxDB', () => {
  let s: Stack;
  const key = { site: SITE, equipment: 'roll-1', gateway: 'gw-s' };
  const plot = async (equipment: string, from: number, to: number, maxPoints = 40) =>
    (await (await s.get(`/api/v1/equipment/${equipment}/history?parameter=temp&mode=plot&maxPoints=${maxPoints}&from=${iso(from)}&to=${iso(to)}`)).json()) as { bucketMs: number; series: { buckets: Bucket[] }[] };

  beforeAll(async () => {
    s = await historyStack('roll-1', [{ id: 'temp', name: 'Temperature', unit: '°C', datatype: 'number' }]);
    await s.announce('roll-raw', [{ id: 'temp', name: 'Temperature', unit: '°C', datatype: 'number' }]);
    await s.announce('roll-live', [{ id: 'temp', name: 'Temperature', unit: '°C', datatype: 'number' }]);
    await s.write(wave(T0, 7200));
  });

  it('answers whole minutes from the rollups and reads only the partial minutes at the ends raw', async () => {
    // Spikes in the partial first and last minutes and just outside the range, which must stay out.
    await writeReadings(s.influx.client, key, [
      { p: 'temp', t: T0 + 10 * MIN + 40_500, v: 500 }, { p: 'temp', t: T0 + 90 * MIN + 5_500, v: -500 },
      { p: 'temp', t: T0 + 10 * MIN + 29_500, v: 900 }, { p: 'temp', t: T0 + 90 * MIN + 20_500, v: -900 },
    ]);
    const from = T0 + 10 * MIN + 30_000;
    const to = T0 + 90 * MIN + 20_000;
    const body = await plot('roll-1', from, to);
    const buckets = body.series[0]!.buckets;
    expect(body.bucketMs % MIN).toBe(0);
    expect(buckets.length).toBeLessThanOrEqual(20);
    expect(buckets[0]!.t).toBeLessThanOrEqual(from);
    expect(buckets[0]!.max).toBe(500);
    expect(buckets.at(-1)!.min).toBe(-500);
    // Every bucket against the extremes computed here from what was written.
    const all = [...wave(T0, 7200), { t: T0 + 10 * MIN + 40_500, v: 500 }, { t: T0 + 90 * MIN + 5_500, v: -500 }];
    for (const b of buckets) {
      const inside = all.filter((r) => r.t >= Math.max(b.t, from) && r.t < b.t + body.bucketMs && r.t <= to).map((r) => r.v as number);
      expect([b.min, b.max], iso(b.t)).toEqual([Math.min(...inside), Math.max(...inside)]);
    }
  });

  it('merges several rollup points of one minute: a late reading\'s spike shows up', async () => {
    const minute = T0 + 50 * MIN;
    // Written as a second writer would (ingest after a restart, a store-and-forward replay): its own point.
    await writeReadings(s.influx.client, key, [{ p: 'temp', t: minute + 33_000, v: 777 }]);
    expect((await s.influx.client.query(`SELECT count("max") FROM "${ROLLUP_MEASUREMENT}" WHERE "equipment" = 'roll-1' AND time >= ${minute}ms AND time < ${minute + MIN}ms`))[0]!.values[0]![1]).toBe(2);
    const body = await plot('roll-1', T0, T0 + 7200_000 - 1);
    expect(body.series[0]!.buckets.find((b) => b.t <= minute && minute < b.t + body.bucketMs)!.max).toBe(777);
    expect(await rollupMismatches(s.influx.client, 'roll-1', T0, T0 + 7200_000)).toEqual([]);
  });

  it('rebuilds the rollups of readings stored without them, once, when ingest starts on such a database', async () => {
    const raw = wave(T0, 600).map((r, i) => (i === 345 ? { ...r, v: 4242 } : r));
    await s.influx.client.write([readingsToLines({ ...key, equipment: 'roll-raw' }, raw)]);
    // Without rollups the whole minutes (five buckets of 2 min) have nothing to show: plot mode really reads the rollups.
    expect((await plot('roll-raw', T0, T0 + 599_999, 10)).series[0]!.buckets).toEqual([]);
    const logged: string[] = [];
    const log = pino({}, { write: (line: string) => logged.push((JSON.parse(line) as { msg: string }).msg) });
    await ensureRollups(s.influx.client, log);
    expect(logged).toEqual(['rebuilding rollups for readings stored before rollups were kept (once)', 'rollups rebuilt']);
    const buckets = (await plot('roll-raw', T0, T0 + 599_999, 10)).series[0]!.buckets;
    expect(Math.max(...buckets.map((b) => b.max))).toBe(4242);
    expect(await rollupMismatches(s.influx.client, 'roll-raw', T0, T0 + 600_000)).toEqual([]);
    await ensureRollups(s.influx.client, log);
    expect(logged).toHaveLength(2);
  });

  it('resumes an interrupted rebuild where its recorded progress stopped', async () => {
    const own = await influxd();
    await own.client.ensureDatabase();
    await own.client.write([readingsToLines({ ...key, equipment: 'roll-resume' }, wave(T0, 3 * 3600))]);
    // As a rebuild stopped after its first two hours would have left it: progress recorded, no rollups after it.
    await own.client.write(`pilothub_rollups rebuilt_until=${T0 + 2 * 3_600_000}i ${Date.now()}`);
    const logged: { msg: string; resumed?: boolean }[] = [];
    await ensureRollups(own.client, pino({}, { write: (line: string) => logged.push(JSON.parse(line) as { msg: string }) }));
    expect(logged[0]).toMatchObject({ resumed: true, from: iso(T0 + 2 * 3_600_000) });
    expect(await rollupMismatches(own.client, 'roll-resume', T0 + 2 * 3_600_000, T0 + 3 * 3_600_000)).toEqual([]);
    expect(await rollupMismatches(own.client, 'roll-resume', T0, T0 + 2 * 3_600_000)).toHaveLength(120);
    // Complete now: the next start does nothing.
    await ensureRollups(own.client, pino({}, { write: (line: string) => logged.push(JSON.parse(line) as { msg: string }) }));
    expect(logged.map((l) => l.msg)).toEqual(['rebuilding rollups for readings stored before rollups were kept (once)', 'rollups rebuilt']);
  });

  it('rebuilds rollups for a range on request (pilothub rollups rebuild), for data another tool wrote', async () => {
    await s.announce('roll-cli', [{ id: 'temp', name: 'Temperature', unit: '°C', datatype: 'number' }]);
    const raw = wave(T0, 300).map((r, i) => (i === 200 ? { ...r, v: -4242 } : r));
    await s.influx.client.write([readingsToLines({ ...key, equipment: 'roll-cli' }, raw)]);
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'rollups', 'rebuild', '--influx-url', s.influx.url, ...args], { encoding: 'utf8', timeout: 60_000 });
    const wrong = cli('--from', iso(T0), '--to', 'yesterday');
    expect([wrong.status, wrong.stderr]).toEqual([1, 'pilothub: --to "yesterday" is not a date like 2026-01-31T12:00:00Z\n']);
    const done = cli('--from', iso(T0), '--to', iso(T0 + 300_000), '--equipment', 'roll-cli');
    expect(done.stdout).toBe('2026-01-06: 5 minute(s)\nrebuilt 5 rollup point(s)\n');
    expect(Math.min(...(await plot('roll-cli', T0, T0 + 299_999, 4)).series[0]!.buckets.map((b) => b.min))).toBe(-4242);
    expect(await rollupMismatches(s.influx.client, 'roll-cli', T0, T0 + 300_000)).toEqual([]);
  });

  it('ingest keeps the rollups of what it writes, across a restart and for late data', async () => {
    const mqttUrl = s.broker.url;
    const publisher = await mqtt.connectAsync(mqttUrl, { clientId: 'rollup-publisher' });
    teardown(() => publisher.endAsync());
    const topic = topics.data(SITE, 'roll-live');
    const send = (seq: number, readings: Reading[]) => publisher.publishAsync(topic, JSON.stringify({ gateway: 'gw-live', seq, readings } satisfies ReadingBatch), { qos: 1 });
    const stored = async (n: number) => {
      const [series] = await s.influx.client.query(`SELECT count("value") FROM "reading" WHERE "equipment" = 'roll-live'`);
      return ((series?.values[0]?.[1] as number | undefined) ?? 0) >= n ? true : undefined;
    };
    const options = { mqttUrl, influxUrl: s.influx.url, clientId: 'ingest-rollups', maxBatchDelayMs: 20 };
    const first = await ingest(options);
    const live = wave(T0 + 3 * 3_600_000, 300);
    for (let i = 0; i < live.length; i += 10) await send(i, live.slice(i, i + 10));
    await eventually('the live readings stored', () => stored(300));
    await first.stop();
    await ingest(options);
    // After the restart: late readings into minutes the first ingest wrote, one of them a new extreme.
    await send(1000, [{ p: 'temp', t: live[61]!.t + 500, v: 333 }, { p: 'temp', t: live[200]!.t + 500, v: -333 }]);
    await eventually('the late readings stored', () => stored(302));
    const from = live[0]!.t;
    const to = live.at(-1)!.t;
    await eventually('rollups equal to the raw extremes', async () => ((await rollupMismatches(s.influx.client, 'roll-live', from, to + MIN)).length === 0 ? true : undefined));
    const buckets = (await plot('roll-live', from, to, 10)).series[0]!.buckets;
    expect([Math.min(...buckets.map((b) => b.min)), Math.max(...buckets.map((b) => b.max))]).toEqual([-333, 333]);
  });
});
