import { beforeAll, describe, expect, it } from 'vitest';
import { queryParameterPoints, queryRawSeries } from '../common/influx/history-queries.js';
import { readingToLine, readingsToLines } from '../common/influx/layout.js';
import { InfluxV1Client } from '../common/influx/v1-client.js';
import { influxd } from './helpers/pipeline.js';

describe('InfluxDB v1 client', () => {
  let url = '';
  beforeAll(async () => {
    url = (await influxd()).url;
    const client = new InfluxV1Client(url, 'pilothub');
    await client.ensureDatabase();
    const key = { site: 's', equipment: 'e-1', gateway: 'gw' };
    const t = 1_767_225_600_000;
    await client.write([
      readingToLine(key, { p: 'x', v: 0.1 + 0.2, t }),
      readingToLine(key, { p: 'x', v: -1e-300, t: t + 1 }),
      readingToLine(key, { p: 'x', v: null, t: t + 2, q: 'bad' }),
      readingToLine(key, { p: 'flag', v: true, t }),
      readingToLine(key, { p: 'state', v: 'heat "up", 1\\2', t }),
    ].join('\n'));
  });

  it('reads the same values through MessagePack as through JSON', async () => {
    const q = `SELECT "value","value_bool","value_str","quality" FROM "reading" GROUP BY "parameter"`;
    const viaMsgpack = await new InfluxV1Client(url, 'pilothub').query(q);
    const viaJson = await new InfluxV1Client(url, 'pilothub', 10_000, { msgpack: false }).query(q);
    expect(viaMsgpack).toEqual(viaJson);
    const x = viaMsgpack.find((s) => s.tags?.parameter === 'x')!;
    expect(x.values.map((row) => row[1])).toEqual([0.1 + 0.2, -1e-300, null]);
    expect(viaMsgpack.find((s) => s.tags?.parameter === 'state')!.values[0]![3]).toBe('heat "up", 1\\2');
  });

  it('reports a query error with the server\'s reason either way', async () => {
    for (const msgpack of [true, false]) {
      await expect(new InfluxV1Client(url, 'pilothub', 10_000, { msgpack }).query('SELEC nonsense')).rejects.toThrow(/error parsing query/);
    }
  });

  it('streams a large answer in chunks, series split across them, and gives the same rows as one answer', async () => {
    const client = new InfluxV1Client(url, 'pilothub');
    const key = { site: 's', equipment: 'e-chunks', gateway: 'gw' };
    const t0 = 1_767_300_000_000;
    const lines = ['a', 'b'].flatMap((p) => Array.from({ length: 2500 }, (_, i) => readingToLine(key, { p, v: i / 7, t: t0 + i })));
    await client.write(lines.join('\n'));
    const q = `SELECT "value","quality" FROM "reading" WHERE "equipment" = 'e-chunks' GROUP BY "parameter"`;
    const chunks: { parameter: string | undefined; rows: number }[] = [];
    const rows = new Map<string, unknown[][]>();
    await client.queryChunks(q, (series) => {
      for (const s of series) {
        chunks.push({ parameter: s.tags?.parameter, rows: s.values.length });
        rows.set(s.tags!.parameter!, [...(rows.get(s.tags!.parameter!) ?? []), ...s.values]);
      }
    }, 1000);
    expect(chunks.length).toBeGreaterThanOrEqual(6);
    expect(chunks.every((c) => c.rows <= 1000)).toBe(true);
    const whole = await client.query(q);
    for (const s of whole) expect(rows.get(s.tags!.parameter!)).toEqual(s.values);
    expect([...rows.values()].map((r) => r.length)).toEqual([2500, 2500]);
    // In JSON, chunked as one object per line, the same rows.
    const viaJson = new Map<string, unknown[][]>();
    await new InfluxV1Client(url, 'pilothub', 10_000, { msgpack: false }).queryChunks(q, (series) => {
      for (const s of series) viaJson.set(s.tags!.parameter!, [...(viaJson.get(s.tags!.parameter!) ?? []), ...s.values]);
    }, 1000);
    expect(viaJson).toEqual(rows);
    // A query error comes with the server's reason either way.
    for (const msgpack of [true, false]) {
      await expect(new InfluxV1Client(url, 'pilothub', 10_000, { msgpack }).queryChunks('SELEC nonsense', () => undefined)).rejects.toThrow(/error parsing query/);
    }
  });

  it('reads every point of a parameter in site order as a raw read of all fields does, a point without a quality as good', async () => {
    const client = new InfluxV1Client(url, 'pilothub');
    const key = { site: 's', equipment: 'e-split', gateway: 'gw' };
    const t0 = 1_767_400_000_000;
    // Numbers, a boolean and a string (a parameter whose type changed), bad readings with and without a value,
    // uncertain ones, at the start, in the middle and at the end.
    await client.write([readingsToLines(key, Array.from({ length: 3000 }, (_, i) => {
      const t = t0 + i * 10;
      if (i === 0) return { p: 'x', t, v: null, q: 'bad' as const };
      if (i === 1500) return { p: 'x', t, v: true };
      if (i === 1501) return { p: 'x', t, v: 'jammed, "hard"', q: 'uncertain' as const };
      if (i === 2999) return { p: 'x', t, v: null, q: 'bad' as const };
      return { p: 'x', t, v: i / 3, q: i % 97 === 0 ? 'uncertain' as const : i % 101 === 0 ? 'bad' as const : 'good' as const };
    }))]);
    // The same equipment and parameter under a second site (a misconfiguration the layout allows), some times shared.
    const siteR = [{ p: 'x', t: t0 + 10, v: -1, q: 'uncertain' as const }, { p: 'x', t: t0 + 15, v: false }, { p: 'x', t: t0 + 20, v: null, q: 'bad' as const }];
    await client.write([readingsToLines({ ...key, site: 'r' }, siteR)]);
    // Written by another tool: a value and no quality field.
    await client.write(`reading,equipment=e-split,parameter=x,site=s value=77 ${t0 + 5}`);
    const where = { equipment: 'e-split', from: t0, to: t0 + 30_000 };
    const split = await queryParameterPoints(client, { ...where, parameter: 'x' });
    const whole = (await queryRawSeries(client, { ...where, parameters: ['x'] }, 10_000)).get('x')!;
    expect(whole).toHaveLength(3004);
    expect(split).toContainEqual({ t: t0 + 5, v: 77, q: 'good' });
    // InfluxDB puts equal times of two series in no documented order; ours is by site, so verification is repeatable.
    const fromR = new Set(siteR.map((r) => `${r.t} ${r.v}`));
    const site = (p: { t: number; v: unknown }) => (fromR.has(`${p.t} ${p.v}`) ? 'r' : 's');
    expect(split).toEqual([...whole].sort((a, b) => a.t - b.t || site(a).localeCompare(site(b))));
    expect(split.filter((p) => p.q !== 'good').length).toBeGreaterThan(50);
  });
});
