import { beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../common/contracts/index.js';
import { customerRun, historyStack, iso } from './history-fixture.js';

type Stack = Awaited<ReturnType<typeof historyStack>>;
interface Point { t: number; v: number | null; q: 'good' | 'uncertain' | 'bad' }

const RUN_FROM = Date.UTC(2026, 10, 23, 9, 0, 0);
const RUN_TO = RUN_FROM + 600_000;
// Irregular sampling (1.0 to 1.3 s), a bad reading without value, an uncertain one, a one-sample spike and a
// five-sample dip; points before and after the run must not count.
const temp: Point[] = [];
for (let i = 0, t = RUN_FROM - 5000; t <= RUN_TO + 5000; i++, t += 1000 + (i % 4) * 100) {
  const v = i === 300 ? 190 : i >= 400 && i < 405 ? 130 - (i === 402 ? 2 : 0) : 150 + 5 * Math.sin(i / 30);
  temp.push(i === 100 ? { t, v: null, q: 'bad' } : { t, v, q: i === 101 ? 'uncertain' : 'good' });
}
const pressure: Point[] = Array.from({ length: 60 }, (_, i) => ({ t: RUN_FROM + i * 10_000, v: 2.5 + (i % 2) * 0.01, q: 'good' as const }));
// Run windows are half-open (issue #12): a point at RUN_TO would belong to a run beginning then.
const inRun = (p: Point) => p.t >= RUN_FROM && p.t < RUN_TO;

/** The expected statistics, computed here from the points written, independently of api/reports. */
function expectedStats(all: Point[]) {
  const pts = all.filter(inRun);
  const use = pts.filter((p) => typeof p.v === 'number' && p.q !== 'bad') as { t: number; v: number }[];
  const n = use.length;
  const mean = use.reduce((a, p) => a + p.v, 0) / n;
  const variance = use.reduce((a, p) => a + (p.v - mean) ** 2, 0) / (n - 1);
  let area = 0; let span = 0;
  pts.forEach((p, i) => {
    if (typeof p.v !== 'number' || p.q === 'bad') return;
    const until = pts[i + 1]?.t ?? RUN_TO;
    area += p.v * (until - p.t); span += until - p.t;
  });
  return {
    start: pts[0]!.t, end: pts.at(-1)!.t, count: pts.length, min: Math.min(...use.map((p) => p.v)), max: Math.max(...use.map((p) => p.v)),
    mean, stdDev: Math.sqrt(variance), timeWeightedMean: area / span, goodPercent: (100 * pts.filter((p) => p.q === 'good').length) / pts.length,
  };
}

describe('run statistics, specification limits and excursions', () => {
  let s: Stack;
  let runId: string;
  let customerToken: string;

  beforeAll(async () => {
    s = await historyStack('rep-s', [
      { id: 'temp', name: 'Temperature', unit: '°C', datatype: 'number' },
      { id: 'pressure', name: 'Pressure', unit: 'bar', datatype: 'number' },
    ]);
    const readings: Reading[] = [...temp.map((p) => ({ p: 'temp', ...p })), ...pressure.map((p) => ({ p: 'pressure', ...p }))];
    await s.write(readings);
    await s.org('acme');
    await s.org('rival');
    ({ runId, customer: { token: customerToken } } = await customerRun(s, 'rep-s', 'acme', RUN_FROM, RUN_TO));
  });

  it('computes start, end, count, min, max, mean, standard deviation, time-weighted mean and % good', async () => {
    const body = await s.ok(s.admin, 'GET', `/api/v1/runs/${runId}/statistics`);
    for (const [id, points] of [['temp', temp], ['pressure', pressure]] as const) {
      const got = body.parameters.find((p: { id: string }) => p.id === id).stats;
      const want = expectedStats(points);
      expect(got.start).toBe(want.start);
      expect(got.end).toBe(want.end);
      expect(got.count).toBe(want.count);
      expect(got.min).toBe(want.min);
      expect(got.max).toBe(want.max);
      for (const k of ['mean', 'stdDev', 'timeWeightedMean', 'goodPercent'] as const) expect(got[k]).toBeCloseTo(want[k], 9);
    }
  });

  it('manages limits (staff only, audited) and finds excursions with start, end, duration and peak', async () => {
    const tempLimit = await s.ok(s.admin, 'POST', '/api/v1/spec-limits', { equipmentId: 'rep-s', parameter: 'temp', low: 140, high: 160, target: 150 });
    await s.ok(s.admin, 'POST', '/api/v1/spec-limits', { equipmentId: 'rep-s', parameter: 'pressure', high: 3 });
    await s.ok(s.admin, 'POST', '/api/v1/spec-limits', { equipmentId: 'rep-s', parameter: 'pressure', recipe: 'B', high: 2 });
    const duplicate = await s.call(s.admin, 'POST', '/api/v1/spec-limits', { equipmentId: 'rep-s', parameter: 'temp', high: 170 });
    expect(duplicate.status).toBe(409);
    const inverted = await s.call(s.admin, 'POST', '/api/v1/spec-limits', { equipmentId: 'rep-s', parameter: 'temp', recipe: 'X', low: 5, high: 1 });
    expect(inverted.status).toBe(400);
    expect(inverted.text).toContain('low must not exceed high');
    expect((await s.call(customerToken, 'POST', '/api/v1/spec-limits', { equipmentId: 'rep-s', parameter: 'temp', recipe: 'C', high: 1 })).status).toBe(403);
    const audit = await s.ok(s.admin, 'GET', `/api/v1/audit?entity=spec-limit&entityId=${tempLimit.id}`);
    expect(audit.items[0].action).toBe('spec-limit.create');

    const body = await s.ok(s.admin, 'GET', `/api/v1/runs/${runId}/statistics`);
    const t = body.parameters.find((p: { id: string }) => p.id === 'temp');
    const idx = (i: number) => temp[i]!.t;
    expect(t.excursions).toEqual([
      { side: 'high', start: idx(300), end: idx(301), durationMs: idx(301) - idx(300), peak: 190, peakAt: idx(300), open: false },
      { side: 'low', start: idx(400), end: idx(405), durationMs: idx(405) - idx(400), peak: 128, peakAt: idx(402), open: false },
    ]);
    const p = body.parameters.find((x: { id: string }) => x.id === 'pressure');
    expect(p.spec.high).toBe(3);
    expect(p.excursions).toEqual([]);
    const recipeB = await s.ok(s.admin, 'GET', `/api/v1/runs/${runId}/statistics?recipe=B&parameter=pressure`);
    expect(recipeB.parameters).toHaveLength(1);
    expect(recipeB.parameters[0].spec.high).toBe(2);
    expect(recipeB.parameters[0].excursions).toEqual([
      { side: 'high', start: RUN_FROM, end: RUN_TO, durationMs: RUN_TO - RUN_FROM, peak: 2.51, peakAt: RUN_FROM + 10_000, open: true },
    ]);
  });

  it('shows a customer only their own runs and only the data inside them', async () => {
    expect((await s.call(customerToken, 'GET', `/api/v1/runs/${runId}/statistics`)).status).toBe(200);
    const rival = await s.user('customer', 'rival');
    expect((await s.call(rival.token, 'GET', `/api/v1/runs/${runId}/statistics`)).status).toBe(404);
    const wide = `/api/v1/equipment/rep-s/history?parameter=temp&from=${iso(RUN_FROM - 60_000)}&to=${iso(RUN_TO + 60_000)}`;
    const own = await s.ok(customerToken, 'GET', wide);
    expect(own.points.length).toBe(temp.filter(inRun).length);
    expect(own.points[0].t).toBe(temp.filter(inRun)[0]!.t);
    const staff = await s.ok(s.admin, 'GET', wide);
    expect(staff.points.length).toBe(temp.length);
    const other = await s.ok(rival.token, 'GET', wide);
    expect(other.points).toEqual([]);
    const plot = await s.ok(rival.token, 'GET', `${wide}&mode=plot&maxPoints=20`);
    expect(plot.series[0].buckets).toEqual([]);
  });

  it("merges a customer's aggregate buckets that two of their runs share, weighting means by count", async () => {
    const from2 = RUN_FROM + 20 * 60_000;
    // 60 s of points in the run's 60 s window: a 61st at its end would be outside it.
    const second: Point[] = Array.from({ length: 60 }, (_, i) => ({ t: from2 + i * 1000, v: 200 + i, q: 'good' as const }));
    await s.write(second.map((p) => ({ p: 'temp', ...p })));
    await customerRun(s, 'rep-s', 'acme', from2, from2 + 60_000);
    const hourStart = Date.UTC(2026, 10, 23, 9, 0, 0);
    const body = await s.ok(customerToken, 'GET', `/api/v1/equipment/rep-s/history?parameter=temp&mode=aggregate&interval=1h&functions=mean,min,max,first,last&from=${iso(hourStart)}&to=${iso(hourStart + 3_599_999)}`);
    const visible = [...temp.filter(inRun), ...second].filter((p) => typeof p.v === 'number') as { t: number; v: number }[];
    expect(body.series[0].rows).toHaveLength(1);
    const row = body.series[0].rows[0];
    expect(row.t).toBe(hourStart);
    expect(row.count).toBeUndefined();
    expect(row.min).toBe(Math.min(...visible.map((p) => p.v)));
    expect(row.max).toBe(259);
    expect(row.first).toBe(visible[0]!.v);
    expect(row.last).toBe(259);
    expect(row.mean).toBeCloseTo(visible.reduce((a, p) => a + p.v, 0) / visible.length, 9);
    const plot = await s.ok(customerToken, 'GET', `/api/v1/equipment/rep-s/history?parameter=temp&mode=plot&maxPoints=2&from=${iso(hourStart)}&to=${iso(hourStart + 3_599_999)}`);
    expect(plot.series[0].buckets).toEqual([{ t: hourStart, min: row.min, max: 259 }]);
  });
});
