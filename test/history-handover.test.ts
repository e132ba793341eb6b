import { beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../common/contracts/index.js';
import { customerRun, historyStack, iso } from './history-fixture.js';

type Stack = Awaited<ReturnType<typeof historyStack>>;
type Customer = { runId: string; token: string };

const MIN = 60_000;
// Two runs of two organisations that touch: acme's ends at HANDOVER, the instant globex's begins (issue #12).
const FROM = Date.UTC(2026, 10, 23, 10, 0, 0);
const HANDOVER = FROM + 15 * MIN;
const TO = HANDOVER + 15 * MIN;
// A whole-second poll stores a reading exactly at the hand-over; its value appears nowhere else.
const MARK = 999;
const readings: Reading[] = [];
for (let t = FROM - MIN; t <= TO + MIN; t += 1000) readings.push({ p: 'temp', t, v: t === HANDOVER ? MARK : 150 + ((t / 1000) % 7) });
const inside = (from: number, to: number) => readings.filter((r) => r.t >= from && r.t < to);
const wide = `from=${iso(FROM - 2 * MIN)}&to=${iso(TO + 2 * MIN)}`;

describe('touching runs: a reading at the hand-over instant belongs to the later run only', () => {
  let s: Stack;
  let acme: Customer;
  let globex: Customer;
  const history = async (c: Customer, query: string) => s.ok(c.token, 'GET', `/api/v1/equipment/hand-1/history?parameter=temp&${wide}&${query}`);
  const csv = async (c: Customer, query: string) => (await s.call(c.token, 'GET', `/api/v1/equipment/hand-1/history?parameter=temp&${wide}&${query}&format=csv`)).text;
  /** How often each customer is served the hand-over reading by `count`; in total it must be once, to globex. */
  const served = async (count: (c: Customer) => Promise<number>) => ({ acme: await count(acme), globex: await count(globex) });

  beforeAll(async () => {
    s = await historyStack('hand-1', [{ id: 'temp', name: 'Temperature', unit: '°C', datatype: 'number' }]);
    await s.write(readings);
    await s.org('acme');
    await s.org('globex');
    const a = await customerRun(s, 'hand-1', 'acme', FROM, HANDOVER);
    const g = await customerRun(s, 'hand-1', 'globex', HANDOVER, TO);
    acme = { runId: a.runId, token: a.customer.token };
    globex = { runId: g.runId, token: g.customer.token };
  });

  it('raw history, JSON and CSV', async () => {
    expect(await served(async (c) => (await history(c, 'mode=raw')).points.filter((p: { t: number }) => p.t === HANDOVER).length)).toEqual({ acme: 0, globex: 1 });
    expect((await history(acme, 'mode=raw')).points.map((p: { t: number }) => p.t)).toEqual(inside(FROM, HANDOVER).map((r) => r.t));
    expect((await history(globex, 'mode=raw')).points.map((p: { t: number }) => p.t)).toEqual(inside(HANDOVER, TO).map((r) => r.t));
    expect(await served(async (c) => (await csv(c, 'mode=raw')).split('\n').filter((l) => l.split(',')[1] === String(HANDOVER)).length)).toEqual({ acme: 0, globex: 1 });
  });

  it('aggregate history, JSON and CSV: counts add up to the readings of both runs, the mark counted once', async () => {
    const rows = async (c: Customer) => (await history(c, 'mode=aggregate&interval=1m&functions=count,max')).series[0].rows as { count: number; max: number }[];
    expect(await served(async (c) => (await rows(c)).reduce((n, r) => n + r.count, 0))).toEqual({ acme: inside(FROM, HANDOVER).length, globex: inside(HANDOVER, TO).length });
    expect(await served(async (c) => (await rows(c)).filter((r) => r.max === MARK).length)).toEqual({ acme: 0, globex: 1 });
    expect(await served(async (c) => (await csv(c, 'mode=aggregate&interval=1m&functions=max')).split('\n').filter((l) => l.endsWith(`,${MARK}`)).length)).toEqual({ acme: 0, globex: 1 });
  });

  it('plot history from raw buckets and from the per-minute rollups, with exact points and CSV', async () => {
    for (const maxPoints of [1000, 20]) {
      const body = async (c: Customer) => history(c, `mode=plot&maxPoints=${maxPoints}&exact=true`);
      expect((await body(acme)).bucketMs >= MIN, `maxPoints=${maxPoints}`).toBe(maxPoints === 20);
      expect(await served(async (c) => (await body(c)).series[0].buckets.filter((b: { max: number }) => b.max === MARK).length), `maxPoints=${maxPoints}`).toEqual({ acme: 0, globex: 1 });
      expect(await served(async (c) => (await body(c)).series[0].points.filter((p: { t: number }) => p.t === HANDOVER).length), `maxPoints=${maxPoints}`).toEqual({ acme: 0, globex: 1 });
      expect(await served(async (c) => (await csv(c, `mode=plot&maxPoints=${maxPoints}`)).split('\n').filter((l) => l.endsWith(`,${MARK}`)).length)).toEqual({ acme: 0, globex: 1 });
    }
  });

  it('run statistics count the reading in the later run only', async () => {
    const stats = async (c: Customer) => (await s.ok(c.token, 'GET', `/api/v1/runs/${c.runId}/statistics`)).parameters[0].stats;
    expect(await stats(acme)).toMatchObject({ start: FROM, end: HANDOVER - 1000, count: inside(FROM, HANDOVER).length });
    expect((await stats(acme)).max).toBeLessThan(MARK);
    expect(await stats(globex)).toMatchObject({ start: HANDOVER, end: TO - 1000, count: inside(HANDOVER, TO).length, max: MARK });
  });

  it("each run's report and its canonical data hold the reading once in total, in the later run, and verify", async () => {
    const lines = async (c: Customer) => {
      const report = await s.ok(s.admin, 'POST', '/api/v1/reports', { runId: c.runId, method: 'hand-over' });
      expect(report.pointCount).toBe(c === acme ? inside(FROM, HANDOVER).length : inside(HANDOVER, TO).length);
      expect((await s.ok(c.token, 'GET', report.links.verify)).result).toBe('match');
      const content = await s.ok(c.token, 'GET', report.links.self);
      expect(content.integrity.format).toBe('pilothub-run-csv-v2');
      expect(content.parameters[0].stats.max === MARK).toBe(c === globex);
      return (await s.call(c.token, 'GET', report.links.csv)).text.split('\n').filter((l) => l.startsWith(`temp,${HANDOVER},`)).length;
    };
    expect(await served(lines)).toEqual({ acme: 0, globex: 1 });
  });

  it("an open run's window reaches now, now included", async () => {
    const start = TO + 10 * MIN;
    const now = start + 2 * MIN;
    await s.write([{ p: 'temp', t: now, v: 4242 }]);
    const booking = await s.ok(acme.token, 'POST', '/api/v1/bookings', { equipmentId: 'hand-1', startsAt: iso(start), endsAt: iso(start + 15 * MIN) });
    const run = await s.ok(s.admin, 'POST', '/api/v1/runs', { equipmentId: 'hand-1', bookingId: booking.id, startedAt: iso(start) });
    s.clock.set(now);
    const raw = await s.ok(acme.token, 'GET', `/api/v1/equipment/hand-1/history?parameter=temp&from=${iso(start)}`);
    expect(raw.points).toEqual([{ t: now, v: 4242, q: 'good' }]);
    expect((await s.ok(acme.token, 'GET', `/api/v1/runs/${run.id}/statistics`)).parameters[0].stats).toMatchObject({ count: 1, end: now, max: 4242 });
  });
});
