import { beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../common/contracts/index.js';
import { customerRun, historyStack } from './history-fixture.js';

/**
 * Golden envelopes (issue #17) with a real influxd and API: reference runs whose temperature per minute after
 * "heating" is known, so every band is checked by hand; versions, audit, access and the report's comparison.
 */
const S = 1000;
const at = (h: number, m: number) => Date.UTC(2026, 10, 23, h, m, 0);

/** 60 s "charging" at 0 °C, then "heating": `first` °C for a minute, `second` °C for a minute, 30 °C for three. */
function batch(from: number, first: number, second: number): Reading[] {
  const out: Reading[] = [{ p: 'batch_state', v: 'charging', t: from }, { p: 'batch_state', v: 'heating', t: from + 60 * S }];
  for (let i = 0; i < 300; i++) out.push({ p: 'temperature', v: i < 60 ? 0 : i < 120 ? first : i < 180 ? second : 30, t: from + i * S });
  return out;
}

describe('golden envelopes', () => {
  let s: Awaited<ReturnType<typeof historyStack>>;
  const refs: string[] = [];
  let checked: string;
  let customer: { token: string };

  beforeAll(async () => {
    s = await historyStack('env-r', [
      { id: 'batch_state', name: 'Batch state', unit: '', datatype: 'string' },
      { id: 'temperature', name: 'Temperature', unit: '°C', datatype: 'number' },
    ]);
    await s.org('acme');
    // Reference runs: minute 0 after heating at 10, 12, 14 °C; minute 1 at 20, 20, 26 °C. The checked run: 20 then 22.
    const starts = [at(9, 0), at(9, 20), at(9, 40), at(10, 0)];
    await s.write([...batch(starts[0]!, 10, 20), ...batch(starts[1]!, 12, 20), ...batch(starts[2]!, 14, 26), ...batch(starts[3]!, 20, 22)]);
    for (const from of starts.slice(0, 3)) refs.push((await customerRun(s, 'env-r', 'acme', from, from + 5 * 60_000)).runId);
    ({ runId: checked, customer } = await customerRun(s, 'env-r', 'acme', starts[3]!, starts[3]! + 5 * 60_000));
  });

  const create = (body: object, token = s.admin) => s.call<any>(token, 'POST', '/api/v1/envelopes', {
    recipe: 'PVC-A', equipmentId: 'env-r', parameters: ['temperature'], align: 'phase', phase: 'heating', bucket: '1m', ...body,
  });

  it('computes mean ± k·σ per bucket over the aligned reference runs', async () => {
    const r = await create({ referenceRuns: refs, method: 'sigma', k: 2 });
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({ recipe: 'PVC-A', equipmentId: 'env-r', version: 1, method: 'sigma', k: 2, bucketMs: 60_000 });
    expect(r.body.referenceRuns.map((x: any) => x.alignedAt)).toEqual([at(9, 1), at(9, 21), at(9, 41)]);
    const buckets = new Map<number, any>(r.body.parameters[0].buckets.map((b: any) => [b.offsetMs, b]));
    // Before heating all three are 0 °C: σ = 0.
    expect(buckets.get(-60_000)).toEqual({ offsetMs: -60_000, low: 0, high: 0, mean: 0, runs: 3 });
    // 10, 12, 14: mean 12, σ = 2 (n−1), band 12 ± 4.
    expect(buckets.get(0)).toEqual({ offsetMs: 0, low: 8, high: 16, mean: 12, runs: 3 });
    // 20, 20, 26: mean 22, σ = √((4 + 4 + 16) / 2) = √12, band 22 ± 2√12.
    const b1 = buckets.get(60_000);
    expect(b1.mean).toBe(22);
    expect(b1.low).toBeCloseTo(22 - 2 * Math.sqrt(12), 9);
    expect(b1.high).toBeCloseTo(22 + 2 * Math.sqrt(12), 9);
    expect([...buckets.keys()]).toEqual([-60_000, 0, 60_000, 120_000, 180_000]);
  });

  it('computes min/max bands, keeps every version and audits each computation', async () => {
    const r = await create({ referenceRuns: refs, method: 'minmax' });
    expect(r.status, r.text).toBe(201);
    expect(r.body.version).toBe(2);
    expect(r.body.k).toBeNull();
    const b0 = r.body.parameters[0].buckets.find((b: any) => b.offsetMs === 0);
    expect(b0).toEqual({ offsetMs: 0, low: 10, high: 14, runs: 3 });
    const list = await s.ok(s.admin, 'GET', '/api/v1/envelopes?recipe=PVC-A');
    expect(list.items.map((e: any) => e.version)).toEqual([2, 1]);
    expect(list.items[0].parameters).toEqual([{ id: 'temperature', unit: '°C', buckets: 5 }]);
    const first = await s.ok(s.admin, 'GET', `/api/v1/envelopes/${list.items[1].id}`);
    expect(first.method).toBe('sigma');
    const audit = await s.ok(s.admin, 'GET', `/api/v1/audit?entity=envelope&entityId=${r.body.id}`);
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]).toMatchObject({ action: 'envelope.create', after: { id: r.body.id, version: 2, recipe: 'PVC-A', method: 'minmax', parameters: ['temperature'] } });
    expect(audit.items[0].after.referenceRuns.map((x: any) => x.id)).toEqual(refs);
  });

  it('refuses customers and bad input with a reason', async () => {
    expect((await create({ referenceRuns: refs }, customer.token)).status).toBe(403);
    expect((await s.call(customer.token, 'GET', '/api/v1/envelopes')).status).toBe(403);
    const one = await create({ referenceRuns: [refs[0]], method: 'sigma' });
    expect(one.status).toBe(400);
    expect(one.body.code).toBe('envelope_too_few_runs');
    const never = await create({ referenceRuns: refs, phase: 'cooling' });
    expect(never.status).toBe(422);
    expect(never.body.message).toContain(refs[0]);
    expect((await s.call(s.admin, 'GET', '/api/v1/envelopes/env-nope')).status).toBe(404);
  });

  it('states in a report how its run kept to the current envelope, outside the data and its hash', async () => {
    // The current version (3) is sigma k = 2 again: minute 0 of the checked run (20 °C) is 4 above 16; minute 1 (22 °C) inside.
    expect((await create({ referenceRuns: refs, method: 'sigma', k: 2 })).body.version).toBe(3);
    const summary = await s.ok(s.admin, 'POST', '/api/v1/reports', { runId: checked, method: 'PVC extrusion', recipe: 'PVC-A' });
    const report = await s.ok(customer.token, 'GET', `/api/v1/reports/${summary.id}`);
    expect(report.envelope).toMatchObject({ version: 3, method: 'sigma', alignedAt: at(10, 1) });
    expect(report.envelope.parameters).toEqual([{
      id: 'temperature', unit: '°C', compared: 5, outsideMs: 60_000, largest: { offsetMs: 0, side: 'high', value: 20, bound: 16, by: 4 },
    }]);
    const html = await (await s.get(`/api/v1/reports/${summary.id}/html`)).text();
    expect(html).toContain('Golden envelope');
    const csv = await (await s.get(`/api/v1/reports/${summary.id}/data.csv`)).text();
    expect(csv).not.toContain('envelope');
    expect((await s.ok(s.admin, 'GET', `/api/v1/reports/${summary.id}/verify`)).result).toBe('match');
    const other = await s.ok(s.admin, 'POST', '/api/v1/reports', { runId: refs[0], method: 'PVC extrusion', recipe: 'no-envelope' });
    expect((await s.ok(s.admin, 'GET', `/api/v1/reports/${other.id}`)).envelope).toBeUndefined();
  });

  it("never compares another customer's run with a band built from acme's runs: its report leaves the envelope out", async () => {
    await s.org('globex');
    const { runId } = await customerRun(s, 'env-r', 'globex', at(11, 0), at(11, 0) + 5 * 60_000);
    const summary = await s.ok(s.admin, 'POST', '/api/v1/reports', { runId, method: 'PVC extrusion', recipe: 'PVC-A' });
    expect((await s.ok(s.admin, 'GET', `/api/v1/reports/${summary.id}`)).envelope).toBeUndefined();
  });
});
