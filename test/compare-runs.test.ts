import { beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../common/contracts/index.js';
import { writeReadings } from '../common/influx/rollups.js';
import { customerRun, historyStack, iso } from './history-fixture.js';
import { SITE } from './sharing-fixture.js';

/**
 * GET /api/v1/runs/compare (issue #17) against a real influxd and API: runs of a reactor whose batch_state turns
 * "heating" at different times, a pilot reactor naming its temperature otherwise, and two customer organisations.
 */
const S = 1000;
const MIN = 60_000;
const at = (h: number, m: number) => Date.UTC(2026, 10, 23, h, m, 0);

/** A batch: "charging" from the start, "heating" `heatAfterS` later; the temperature is 20 before, 50 + seconds since heating after. */
function batch(from: number, heatAfterS: number, durationS: number, temperature = 'temperature'): Reading[] {
  const heat = from + heatAfterS * S;
  const out: Reading[] = [{ p: 'batch_state', v: 'charging', t: from }, { p: 'batch_state', v: 'heating', t: heat }];
  for (let i = 0; i < durationS; i++) {
    const t = from + i * S;
    out.push({ p: temperature, v: t < heat ? 20 : 50 + (t - heat) / S, t }, { p: 'pressure', v: 1, t });
  }
  return out;
}

describe('comparing runs', () => {
  let s: Awaited<ReturnType<typeof historyStack>>;
  let a: string; let b: string; let foreign: string; let pilot: string;
  let acme: { token: string };

  beforeAll(async () => {
    s = await historyStack('reactor-a', [
      { id: 'batch_state', name: 'Batch state', unit: '', datatype: 'string' },
      { id: 'temperature', name: 'Temperature', unit: '°C', datatype: 'number' },
      { id: 'pressure', name: 'Pressure', unit: 'bar', datatype: 'number' },
    ]);
    await s.announce('pilot-b', [
      { id: 'batch_state', name: 'Batch state', unit: '', datatype: 'string' },
      { id: 'pilot_temp', name: 'Jacket temperature', unit: '°C', datatype: 'number' },
      { id: 'pressure', name: 'Pressure', unit: 'bar', datatype: 'number' },
    ]);
    await s.org('acme');
    await s.org('beta');
    await s.write([...batch(at(9, 0), 120, 600), ...batch(at(9, 30), 300, 600), ...batch(at(10, 0), 60, 600)]);
    await writeReadings(s.influx.client, { site: SITE, equipment: 'pilot-b', gateway: 'gw-s' }, batch(at(9, 0), 60, 600, 'pilot_temp'));
    ({ runId: a, customer: acme } = await customerRun(s, 'reactor-a', 'acme', at(9, 0), at(9, 10)));
    ({ runId: b } = await customerRun(s, 'reactor-a', 'acme', at(9, 30), at(9, 40)));
    ({ runId: foreign } = await customerRun(s, 'reactor-a', 'beta', at(10, 0), at(10, 10)));
    pilot = (await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/runs', { equipmentId: 'pilot-b', startedAt: iso(at(9, 0)) })).id;
    await s.ok(s.admin, 'POST', `/api/v1/runs/${pilot}/close`, { endedAt: iso(at(9, 10)) });
  });

  const compare = (query: string, token = s.admin) => s.call<any>(token, 'GET', `/api/v1/runs/compare?${query}`);
  type Bucket = { offset: number; min: number; max: number };
  const bucket = (series: { buckets: Bucket[] }, offset: number) => series.buckets.find((x) => x.offset === offset);

  it('aligns two runs on the phase change: a common axis of offsets from it, exact to the second', async () => {
    // Axis -300 s (run b's start) .. +480 s (run a's end): 780 s in 780 buckets of one second, one sample each.
    const r = await compare(`runs=${a},${b}&parameters=temperature&align=phase&phase=heating&maxPoints=1560`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.axis).toEqual({ unit: 'ms', from: -300_000, to: 480_000, bucket: 1000, count: 780 });
    expect(r.body.runs.map((x: any) => x.alignedAt)).toEqual([at(9, 2), at(9, 35)]);
    const [ra, rb] = r.body.series[0].runs;
    expect(ra.buckets[0].offset).toBe(-120_000);
    expect(rb.buckets[0].offset).toBe(-300_000);
    for (const run of [ra, rb]) {
      expect(bucket(run, -1000)).toEqual({ offset: -1000, min: 20, max: 20 });
      expect(bucket(run, 0)).toEqual({ offset: 0, min: 50, max: 50 });
      expect(bucket(run, 60_000)).toEqual({ offset: 60_000, min: 110, max: 110 });
    }
    // Same profile after alignment: no difference where both have data.
    const [sa, sb] = r.body.statistics[0].runs;
    expect(sa.difference).toBeNull();
    expect(sb.difference.rms).toBe(0);
    expect(sb.difference.overlap).toBe(420); // offsets -120 s .. +300 s
    expect(sa).toMatchObject({ count: 600, min: 20, max: 529 });
    expect(sb.difference.max).toBe(349 - 529);
  });

  it('aligns on a condition in the run-condition language, and on the start', async () => {
    const c = await compare(`runs=${a},${b}&parameters=temperature&align=condition&condition=${encodeURIComponent("temperature >= 50 && batch_state == 'heating'")}`);
    expect(c.status, c.text).toBe(200);
    expect(c.body.runs.map((x: any) => x.alignedAt)).toEqual([at(9, 2), at(9, 35)]);
    const st = await compare(`runs=${a},${b}&parameters=temperature`);
    expect(st.body.runs.map((x: any) => x.alignedAt)).toEqual([at(9, 0), at(9, 30)]);
    expect(st.body.axis).toMatchObject({ from: 0, to: 600_000 });
  });

  it('keeps each bucket\'s extremes in plot mode over whole minutes', async () => {
    const r = await compare(`runs=${a},${b}&parameters=temperature&align=phase&phase=heating&maxPoints=20`);
    expect(r.body.axis).toMatchObject({ bucket: 120_000, count: 7 });
    const [ra, rb] = r.body.series[0].runs;
    expect(Math.max(...ra.buckets.map((x: Bucket) => x.max))).toBe(529);
    expect(Math.max(...rb.buckets.map((x: Bucket) => x.max))).toBe(349);
    expect(Math.min(...rb.buckets.map((x: Bucket) => x.min))).toBe(20);
  });

  it('matches parameters across equipment by an explicit mapping', async () => {
    // Axis -120 s (run a) .. +540 s (the pilot run, heating after 60 s): 660 one-second buckets.
    const r = await compare(`runs=${a},${pilot}&parameters=temperature&align=phase&phase=heating&map=pilot_temp:temperature&maxPoints=1320`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.axis).toMatchObject({ from: -120_000, to: 540_000, bucket: 1000 });
    expect(r.body.runs[1].parameters).toEqual({ temperature: 'pilot_temp' });
    const [, rp] = r.body.series[0].runs;
    expect(rp.source).toBe('pilot_temp');
    expect(bucket(rp, 0)).toMatchObject({ min: 50, max: 50 });
    expect(bucket(rp, -60_000)).toMatchObject({ min: 20 });
    const unmapped = await compare(`runs=${a},${pilot}&parameters=temperature`);
    expect(unmapped.status).toBe(400);
    expect(unmapped.body.code).toBe('compare_parameter_unknown');
    expect(unmapped.body.message).toContain(pilot);
    expect(unmapped.body.message).toContain('"temperature"');
  });

  it('normalises offsets to each run\'s duration after its alignment point', async () => {
    const r = await compare(`runs=${a},${b}&parameters=temperature&align=phase&phase=heating&normalise=duration`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.axis).toMatchObject({ unit: 'fraction', from: -1, to: 1 });
    const [ra, rb] = r.body.series[0].runs;
    expect(ra.buckets.at(-1).max).toBe(529);
    expect(rb.buckets.at(-1).max).toBe(349);
  });

  it('refuses bad input with a reason naming the run or parameter', async () => {
    const never = await compare(`runs=${a},${b}&parameters=temperature&align=phase&phase=cooling`);
    expect(never.status).toBe(422);
    expect(never.body.code).toBe('compare_phase_not_reached');
    expect(never.body.message).toContain(a);
    const missing = await compare(`runs=${a},run-nope&parameters=temperature`);
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain('run-nope');
    const noPhase = await compare(`runs=${a}&parameters=temperature&align=phase`);
    expect(noPhase.status).toBe(400);
    expect(noPhase.body.issues[0].field).toContain('phase');
    const badCondition = await compare(`runs=${a}&parameters=temperature&align=condition&condition=${encodeURIComponent('temperature >')}`);
    expect(badCondition.status).toBe(400);
    expect(badCondition.body.code).toBe('compare_condition_invalid');
  });

  it('lets a customer compare its own runs only: another organisation\'s run is not found', async () => {
    const own = await compare(`runs=${a},${b}&parameters=temperature`, acme.token);
    expect(own.status, own.text).toBe(200);
    const other = await compare(`runs=${a},${foreign}&parameters=temperature`, acme.token);
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('run_not_found');
    expect(other.body.message).toContain(foreign);
    const staff = await compare(`runs=${a},${foreign}&parameters=temperature`);
    expect(staff.status).toBe(200);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = await (await fetch(`${s.api.url}/api/docs/json`)).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/runs/compare', '/api/v1/envelopes', '/api/v1/envelopes/{id}']));
  });
});
