import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './helpers/servers.js';
import { fullStack } from './helpers/stack.js';

type Stack = Awaited<ReturnType<typeof fullStack>>;
interface Point { t: number; v: number; q: string }

/** Excursions on live simulator data: the spray dryer runs, a spike and a dip are injected with override(). */
describe('excursions on simulated spray dryer data with injected spikes', () => {
  let stack: Stack;
  let runId: string;
  const json = async (path: string, init: RequestInit = {}) => {
    const res = await stack.api.fetch(path, { ...init, headers: { 'content-type': 'application/json' } });
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path} -> ${res.status}: ${await res.text()}`);
    return res.json();
  };

  beforeAll(async () => {
    stack = await fullStack();
    await eventually('dryer-1 feed rate above 8 kg/h', async () => {
      const h = await (await stack.api.fetch('/api/v1/equipment/dryer-1/history?parameter=feed_rate')).json() as { points?: Point[] };
      return (h.points?.at(-1)?.v ?? 0) > 8 ? true : undefined;
    });
    await json('/api/v1/spec-limits', { method: 'POST', body: JSON.stringify({ equipmentId: 'dryer-1', parameter: 'inlet_temp', high: 200, target: 180 }) });
    await json('/api/v1/spec-limits', { method: 'POST', body: JSON.stringify({ equipmentId: 'dryer-1', parameter: 'feed_rate', low: 5, target: 12 }) });
    runId = (await json('/api/v1/runs', { method: 'POST', body: JSON.stringify({ equipmentId: 'dryer-1', note: 'excursion test' }) })).id;
    await sleep(2500);
    stack.dryer.override('inletTemp', 260);
    await sleep(2500);
    stack.dryer.override('inletTemp', undefined);
    await sleep(2000);
    stack.dryer.override('feedRate', 1.5);
    await sleep(2500);
    stack.dryer.override('feedRate', undefined);
    await sleep(2500);
    await json(`/api/v1/runs/${runId}/close`, { method: 'POST', body: '{}' });
  });

  it('finds each injected excursion where the stored samples put it, and nothing else', async () => {
    const run = await json(`/api/v1/runs/${runId}`);
    const stats = await json(`/api/v1/runs/${runId}/statistics?parameter=inlet_temp,feed_rate`);
    for (const [parameter, outside, peak] of [['inlet_temp', (v: number) => v > 200, 260], ['feed_rate', (v: number) => v < 5, 1.5]] as const) {
      const raw = await json(`/api/v1/equipment/dryer-1/history?parameter=${parameter}&from=${new Date(run.startedAt).toISOString()}&to=${new Date(run.endedAt).toISOString()}`);
      const points = raw.points as Point[];
      const first = points.findIndex((p) => outside(p.v));
      const back = points.findIndex((p, i) => i > first && !outside(p.v));
      expect(first).toBeGreaterThan(0);
      expect(back).toBeGreaterThan(first);
      const got = stats.parameters.find((p: { id: string }) => p.id === parameter);
      expect(got.excursions).toEqual([{
        side: parameter === 'inlet_temp' ? 'high' : 'low', start: points[first]!.t, end: points[back]!.t,
        durationMs: points[back]!.t - points[first]!.t, peak, peakAt: points[first]!.t, open: false,
      }]);
    }
  });

  it('states the specs as not met in the issued report', async () => {
    const report = await json('/api/v1/reports', { method: 'POST', body: JSON.stringify({ runId, method: 'simulated excursion run', parameters: ['inlet_temp', 'feed_rate', 'outlet_temp'] }) });
    const content = await json(report.links.self);
    const verdicts = Object.fromEntries(content.parameters.map((p: { id: string; verdict: string }) => [p.id, p.verdict]));
    expect(verdicts).toEqual({ inlet_temp: 'not met', feed_rate: 'not met', outlet_temp: 'no spec' });
    // The example gateway polls every 1000 ms; the stored spacing shows it (give or take timer jitter).
    expect(Math.abs(content.acquisition.parameters[0].medianIntervalMs - 1000)).toBeLessThan(100);
    // ...and the configured setting comes from the gateway's birth, as ISO/IEC 17025 §7.8.2 asks.
    expect(content.acquisition.parameters[0].configured).toEqual({ mode: 'poll', intervalMs: 1000 });
    expect((await json(report.links.verify)).result).toBe('match');
  });
});
