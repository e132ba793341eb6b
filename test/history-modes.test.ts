import { beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../common/contracts/index.js';
import { historyStack, iso } from './history-fixture.js';

type Stack = Awaited<ReturnType<typeof historyStack>>;
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
const N = 3600;
const spikeAt = T0 + 1234 * 1000;
const tempAt = (i: number) => 150 + 5 * Math.sin(i / 60) + (T0 + i * 1000 === spikeAt ? 80 : 0);

describe('history modes against a real InfluxDB', () => {
  let s: Stack;
  const range = `from=${iso(T0)}&to=${iso(T0 + (N - 1) * 1000)}`;

  beforeAll(async () => {
    s = await historyStack('hist-1', [
      { id: 'temp', name: 'Temperature', unit: '°C', datatype: 'number' },
      { id: 'flow', name: 'Flow', unit: 'kg/h', datatype: 'number' },
      { id: 'on', name: 'Running', unit: '', datatype: 'boolean' },
    ]);
    const readings: Reading[] = [];
    for (let i = 0; i < N; i++) {
      readings.push({ p: 'temp', t: T0 + i * 1000, v: tempAt(i), q: i === 10 ? 'uncertain' : 'good' });
      if (i % 2 === 0) readings.push({ p: 'flow', t: T0 + i * 1000, v: i / 10 });
    }
    readings.push({ p: 'flow', t: T0 + 1001, v: null, q: 'bad' });
    readings.push({ p: 'on', t: T0, v: true });
    await s.write(readings);
  });

  it('keeps the single-parameter raw shape for old clients and carries quality', async () => {
    const body = await (await s.get(`/api/v1/equipment/hist-1/history?parameter=temp&${range}&limit=20`)).json();
    expect(body).toMatchObject({ mode: 'raw', equipment: 'hist-1', parameter: 'temp', unit: '°C', truncated: true });
    expect(body.points).toHaveLength(20);
    expect(body.points[10]).toEqual({ t: T0 + 10_000, v: tempAt(10), q: 'uncertain' });
  });

  it('answers several parameters in one request, bad readings without a value included', async () => {
    const body = await (await s.get(`/api/v1/equipment/hist-1/history?parameter=temp,flow,on&from=${iso(T0)}&to=${iso(T0 + 4000)}`)).json();
    expect(body.series.map((x: { parameter: string }) => x.parameter)).toEqual(['temp', 'flow', 'on']);
    expect(body.series[0].points.map((p: { t: number }) => p.t)).toEqual([0, 1, 2, 3, 4].map((k) => T0 + k * 1000));
    expect(body.series[1].points).toEqual([
      { t: T0, v: 0, q: 'good' }, { t: T0 + 1001, v: null, q: 'bad' }, { t: T0 + 2000, v: 0.2, q: 'good' }, { t: T0 + 4000, v: 0.4, q: 'good' },
    ]);
    expect(body.series[2].points).toEqual([{ t: T0, v: true, q: 'good' }]);
    // The same points aligned on time: one row per distinct time, each with the parameters sampled then.
    expect(body.rows.slice(0, 3)).toEqual([
      { t: T0, values: { temp: { v: tempAt(0), q: 'good' }, flow: { v: 0, q: 'good' }, on: { v: true, q: 'good' } } },
      { t: T0 + 1000, values: { temp: { v: tempAt(1), q: 'good' } } },
      { t: T0 + 1001, values: { flow: { v: null, q: 'bad' } } },
    ]);
    expect(body.rows).toHaveLength(6);
  });

  it('aggregates per interval from the requested start with each function', async () => {
    const url = `/api/v1/equipment/hist-1/history?parameter=temp&mode=aggregate&interval=10m&functions=mean,min,max,first,last,count&${range}`;
    const body = await (await s.get(url)).json();
    expect(body.mode).toBe('aggregate');
    expect(body.intervalMs).toBe(600_000);
    const rows = body.series[0].rows;
    expect(rows).toHaveLength(6);
    for (let b = 0; b < 6; b++) {
      const values = Array.from({ length: 600 }, (_, k) => tempAt(b * 600 + k));
      expect(rows[b].t).toBe(T0 + b * 600_000);
      expect(rows[b].count).toBe(600);
      expect(rows[b].min).toBe(Math.min(...values));
      expect(rows[b].max).toBe(Math.max(...values));
      expect(rows[b].first).toBe(values[0]);
      expect(rows[b].last).toBe(values[599]);
      expect(rows[b].mean).toBeCloseTo(values.reduce((a, v) => a + v, 0) / 600, 9);
    }
  });

  it('carries quality into aggregates: points per bucket and the share of good ones', async () => {
    const url = `/api/v1/equipment/hist-1/history?parameter=temp,flow&mode=aggregate&interval=10m&functions=count&quality=true&${range}`;
    const body = await (await s.get(url)).json();
    const [temp, flow] = body.series;
    expect(temp.rows[0]).toEqual({ t: T0, count: 600, points: 600, goodPercent: (100 * 599) / 600 });
    expect(temp.rows[1]).toEqual({ t: T0 + 600_000, count: 600, points: 600, goodPercent: 100 });
    // The bad flow reading has no value: it is not counted by count(value) but is one of the bucket's points.
    expect(flow.rows[0]).toEqual({ t: T0, count: 300, points: 301, goodPercent: (100 * 300) / 301 });
    const csv = await (await s.get(`${url}&format=csv`)).text();
    expect(csv.split('\n')[0]).toBe('time,epoch_ms,temp_count,temp_points,temp_good_percent,flow_count,flow_points,flow_good_percent');
  });

  it('plot mode returns at most maxPoints values and keeps a single-sample spike', async () => {
    const body = await (await s.get(`/api/v1/equipment/hist-1/history?parameter=temp,flow&mode=plot&maxPoints=60&${range}`)).json();
    expect(body.mode).toBe('plot');
    const temp = body.series[0].buckets as { t: number; min: number; max: number }[];
    expect(temp.length * 2).toBeLessThanOrEqual(60);
    expect(temp.length).toBeGreaterThan(20);
    expect(Math.max(...temp.map((b) => b.max))).toBe(tempAt(1234));
    const holder = temp.find((b) => b.max === tempAt(1234))!;
    expect(spikeAt).toBeGreaterThanOrEqual(holder.t);
    expect(spikeAt).toBeLessThan(holder.t + body.bucketMs);
    expect(Math.min(...temp.map((b) => b.min))).toBe(Math.min(...Array.from({ length: N }, (_, i) => tempAt(i))));
    expect(body.series[1].buckets.length).toBe(temp.length);
  });

  it('plot mode carries quality on request: points per bucket and the share of good ones', async () => {
    const url = `/api/v1/equipment/hist-1/history?parameter=temp,flow&mode=plot&maxPoints=12&quality=true&${range}`;
    const body = await (await s.get(url)).json();
    // Six buckets of 10 whole minutes: 600 temperature samples each, the uncertain one in the first.
    expect(body.bucketMs).toBe(600_000);
    const [temp, flow] = body.series;
    expect(temp.buckets[0]).toMatchObject({ t: T0, points: 600, goodPercent: (100 * 599) / 600 });
    expect(temp.buckets[1]).toMatchObject({ t: T0 + body.bucketMs, points: 600, goodPercent: 100 });
    expect(flow.buckets[0]).toMatchObject({ t: T0, points: 301, goodPercent: (100 * 300) / 301 });
    const csv = await (await s.get(`${url}&format=csv`)).text();
    expect(csv.split('\n')[0]).toBe('time,epoch_ms,temp_min,temp_max,temp_points,temp_good_percent,flow_min,flow_max,flow_points,flow_good_percent');
    const plain = await (await s.get(url.replace('&quality=true', ''))).json();
    expect(plain.series[0].buckets[0]).not.toHaveProperty('points');
  });

  it('plot mode with exact=true gives the extremes as points at their own times, in time order', async () => {
    const body = await (await s.get(`/api/v1/equipment/hist-1/history?parameter=temp&mode=plot&maxPoints=60&exact=true&${range}`)).json();
    const points = body.series[0].points as { t: number; v: number }[];
    expect(points.length).toBeLessThanOrEqual(60);
    expect(points).toContainEqual({ t: spikeAt, v: tempAt(1234) });
    expect(points.map((p) => p.t)).toEqual([...points.map((p) => p.t)].sort((a, b) => a - b));
    for (const p of points) expect(p.v).toBe(tempAt((p.t - T0) / 1000));
    const buckets = body.series[0].buckets as { t: number; min: number; max: number }[];
    for (const b of buckets) {
      const inBucket = points.filter((p) => p.t >= b.t && p.t < b.t + body.bucketMs).map((p) => p.v);
      expect(Math.min(...inBucket)).toBe(b.min);
      expect(Math.max(...inBucket)).toBe(b.max);
    }
  });

  it('answers CSV aligned on time for format=csv and for Accept: text/csv', async () => {
    const path = `/api/v1/equipment/hist-1/history?parameter=temp,flow&from=${iso(T0)}&to=${iso(T0 + 2000)}`;
    const expected = [
      'time,epoch_ms,temp,temp_quality,flow,flow_quality',
      `${iso(T0)},${T0},${tempAt(0)},good,0,good`,
      `${iso(T0 + 1000)},${T0 + 1000},${tempAt(1)},good,,`,
      `${iso(T0 + 1001)},${T0 + 1001},,,,bad`,
      `${iso(T0 + 2000)},${T0 + 2000},${tempAt(2)},good,0.2,good`,
    ].join('\n') + '\n';
    const viaFormat = await s.get(`${path}&format=csv`);
    expect(viaFormat.headers.get('content-type')).toContain('text/csv');
    expect(await viaFormat.text()).toBe(expected);
    expect(await (await s.get(path, { accept: 'text/csv' })).text()).toBe(expected);
  });

  it('rejects bad requests with the field and reason', async () => {
    const noInterval = await s.get(`/api/v1/equipment/hist-1/history?parameter=temp&mode=aggregate&${range}`);
    expect(noInterval.status).toBe(400);
    expect((await noInterval.json()).message).toContain('interval');
    const badFn = await s.get(`/api/v1/equipment/hist-1/history?parameter=temp&mode=aggregate&interval=1m&functions=median`);
    expect(badFn.status).toBe(400);
    expect((await badFn.json()).message).toContain('functions');
    const unknown = await s.get(`/api/v1/equipment/hist-1/history?parameter=temp,humidity`);
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).message).toContain('"humidity"');
  });

  it('documents each mode\'s response shape in the OpenAPI description', async () => {
    const doc = await (await s.get('/api/docs/json')).json();
    const op = doc.paths['/api/v1/equipment/{id}/history'].get;
    expect(JSON.stringify(op.responses['200'])).toContain('#/components/schemas/History');
    const names = JSON.stringify(doc.components.schemas.History);
    for (const shape of ['RawHistory', 'AggregateHistory', 'PlotHistory']) expect(names).toContain(shape);
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['parameter', 'mode', 'interval', 'functions', 'maxPoints', 'format']));
    expect(doc.paths['/api/v1/reports/{id}/verify']).toBeDefined();
  });
});
