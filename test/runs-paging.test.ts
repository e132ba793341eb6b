import { beforeAll, describe, expect, it } from 'vitest';
import { RUNS_MAX_LIMIT } from '../api/routes/bounds.js';
import type { Reading } from '../common/contracts/index.js';
import { historyStack, iso } from './history-fixture.js';

/**
 * GET /api/v1/runs in pages (newest first, `limit`, `before` from the previous answer's `nextBefore`) and
 * GET /api/v1/reports?runs=…, over real HTTP against the real API: a customer's page holds only its
 * organisation's runs and is never short for the other firm's runs in between; without the new parameters the
 * list answers as before (every run, oldest first).
 */
const EQ = 'oven-p';
const OTHER = 'oven-q';
const MIN = 60_000;
const at = (h: number, m: number) => Date.UTC(2026, 10, 23, h, m, 0);

interface Run { id: string; orgId: string | null; startedAt: number }
interface Page { items: Run[]; nextBefore?: string | null }
interface ErrorReply { message: string; issues?: { field: string; message: string }[] }

describe('runs list in pages, newest first', () => {
  let s: Awaited<ReturnType<typeof historyStack>>;
  let acme: { token: string }, beta: { token: string };
  /** The runs of EQ, oldest first, with their organisation. */
  const runs: { id: string; org: string }[] = [];
  let tied: string;

  /** Every page from `query`, following nextBefore until null. */
  const allPages = async (token: string, query: string) => {
    const pages: Page[] = [];
    let before: string | null | undefined;
    do {
      const page = await s.ok<Page>(token, 'GET', `/api/v1/runs?${query}${before ? `&before=${encodeURIComponent(before)}` : ''}`);
      pages.push(page);
      before = page.nextBefore;
    } while (before && pages.length < 50);
    return pages;
  };
  const ids = (pages: Page[]) => pages.map((p) => p.items.map((r) => r.id));

  beforeAll(async () => {
    s = await historyStack(EQ, [{ id: 'temperature', name: 'Temperature', unit: '°C', datatype: 'number' }]);
    await s.announce(OTHER);
    await s.org('acme');
    await s.org('beta');
    for (const eq of [EQ, OTHER]) await s.ok(s.admin, 'PATCH', `/api/v1/equipment/${eq}`, { bookable: true, leadTimeMin: 0 });
    acme = await s.user('customer', 'acme');
    beta = await s.user('customer', 'beta');
    const tokens: Record<string, string> = { acme: acme.token, beta: beta.token };
    // Oldest first; the newest is beta's, so the three newest runs overall are not acme's three newest.
    const orgs = ['acme', 'beta', 'beta', 'acme', 'beta', 'acme', 'acme', 'beta'];
    for (const [i, org] of orgs.entries()) {
      const from = at(9, i * 20);
      const booking = await s.ok<{ id: string; status: string }>(tokens[org]!, 'POST', '/api/v1/bookings', { equipmentId: EQ, startsAt: iso(from), endsAt: iso(from + 15 * MIN) });
      if (booking.status !== 'approved') await s.ok(s.admin, 'POST', `/api/v1/bookings/${booking.id}/approve`, {});
      const run = await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/runs', { equipmentId: EQ, bookingId: booking.id, startedAt: iso(from) });
      await s.ok(s.admin, 'POST', `/api/v1/runs/${run.id}/close`, { endedAt: iso(from + 10 * MIN) });
      runs.push({ id: run.id, org });
    }
    // A run of the other oven starting at the same instant as one of EQ's: pages across equipment must keep both.
    tied = (await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/runs', { equipmentId: OTHER, startedAt: iso(at(9, 40)) })).id;
    await s.ok(s.admin, 'POST', `/api/v1/runs/${tied}/close`, { endedAt: iso(at(9, 50)) });
    s.clock.set(at(12, 0));
    const readings: Reading[] = [];
    for (let t = at(9, 0); t < at(9, 50); t += 30_000) readings.push({ p: 'temperature', v: 180, t });
    await s.write(readings);
  });

  it('answers as before without limit or before: every run, oldest first, no nextBefore', async () => {
    const all = await s.ok<Page>(s.admin, 'GET', `/api/v1/runs?equipment=${EQ}`);
    expect(all.items.map((r) => r.id)).toEqual(runs.map((r) => r.id));
    expect(Object.keys(all)).toEqual(['items']);
  });

  it('pages staff through every run newest first, each page asked for with the previous nextBefore', async () => {
    const pages = await allPages(s.admin, `equipment=${EQ}&limit=3`);
    const newest = runs.map((r) => r.id).reverse();
    expect(ids(pages)).toEqual([newest.slice(0, 3), newest.slice(3, 6), newest.slice(6)]);
    expect(pages.map((p) => p.nextBefore === null)).toEqual([false, false, true]);
    // A limit that ends exactly at the last run says so on that page, not with an empty one after.
    const exact = await allPages(s.admin, `equipment=${EQ}&limit=4`);
    expect(ids(exact)).toEqual([newest.slice(0, 4), newest.slice(4)]);
  });

  it('fills a customer\'s page with its own organisation\'s runs only, never short for the other firm\'s', async () => {
    const own = (org: string) => runs.filter((r) => r.org === org).map((r) => r.id).reverse();
    const acmePages = await allPages(acme.token, `equipment=${EQ}&limit=3`);
    expect(ids(acmePages)).toEqual([own('acme').slice(0, 3), own('acme').slice(3)]);
    const betaPages = await allPages(beta.token, `equipment=${EQ}&limit=2`);
    expect(ids(betaPages)).toEqual([own('beta').slice(0, 2), own('beta').slice(2)]);
    expect(betaPages.flatMap((p) => p.items).every((r) => r.orgId === 'beta')).toBe(true);
    // A cursor taken from staff's list does not open the other firm's runs to a customer either.
    const staffPage = await s.ok<Page>(s.admin, 'GET', `/api/v1/runs?equipment=${EQ}&limit=1`);
    const after = await s.ok<Page>(acme.token, 'GET', `/api/v1/runs?equipment=${EQ}&limit=${RUNS_MAX_LIMIT}&before=${encodeURIComponent(staffPage.nextBefore!)}`);
    expect(after.items.map((r) => r.id)).toEqual(own('acme'));
  });

  it('keeps runs of other equipment starting at the same instant, each on exactly one page', async () => {
    const pages = await allPages(s.admin, 'limit=1');
    const seen = pages.flatMap((p) => p.items);
    expect(seen.map((r) => r.id).sort()).toEqual([...runs.map((r) => r.id), tied].sort());
    expect(seen.map((r) => r.startedAt)).toEqual(seen.map((r) => r.startedAt).sort((a, b) => b - a));
  });

  it('refuses a limit out of range or a malformed before with 400 naming the parameter', async () => {
    for (const [query, field] of [['limit=0', 'limit'], [`limit=${RUNS_MAX_LIMIT + 1}`, 'limit'], ['limit=ten', 'limit'], ['before=yesterday', 'before']] as const) {
      const r = await s.call<ErrorReply>(s.admin, 'GET', `/api/v1/runs?equipment=${EQ}&${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.issues?.map((i) => i.field), query).toEqual([`querystring.${field}`]);
    }
    const big = await s.call<ErrorReply>(s.admin, 'GET', `/api/v1/runs?limit=${RUNS_MAX_LIMIT + 1}`);
    expect(big.body.message).toBe(`Limit must be at most ${RUNS_MAX_LIMIT}`);
    const cursor = await s.call<ErrorReply>(s.admin, 'GET', '/api/v1/runs?before=1764000000000');
    expect(cursor.body.message).toBe('Before must be the nextBefore of a previous page');
  });

  it('documents limit, before and nextBefore in the OpenAPI description', async () => {
    type Op = { parameters: { name: string; in: string }[]; responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown> } }> }> };
    const spec = await s.ok<{ paths: Record<string, Record<string, Op>> }>(s.admin, 'GET', '/api/docs/json');
    const list = spec.paths['/api/v1/runs']!.get!;
    expect(list.parameters.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(expect.arrayContaining(['equipment', 'limit', 'before']));
    expect(Object.keys(list.responses['200']!.content['application/json']!.schema.properties)).toEqual(['items', 'nextBefore']);
    expect(spec.paths['/api/v1/reports']!.get!.parameters.map((p) => p.name)).toContain('runs');
  });

  it('lists the reports of the runs asked for, customers only their own', async () => {
    const [a, b] = [runs[0]!.id, runs[1]!.id];
    const reportA = (await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/reports', { runId: a, method: 'M-1' })).id;
    const reportB = (await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/reports', { runId: b, method: 'M-1' })).id;
    // Issued at the same (hand-moved) instant, so in no particular order.
    const listed = async (token: string, query: string) => (await s.ok<{ items: { id: string }[] }>(token, 'GET', `/api/v1/reports?${query}`)).items.map((r) => r.id).sort();
    expect(await listed(s.admin, `runs=${a},${b}`)).toEqual([reportA, reportB].sort());
    expect(await listed(s.admin, `runs=${b},${runs[2]!.id}`)).toEqual([reportB]);
    expect(await listed(acme.token, `runs=${a},${b}`)).toEqual([reportA]);
    expect(await listed(s.admin, '')).toEqual([reportA, reportB].sort());
    const repeated = await s.call<ErrorReply>(s.admin, 'GET', `/api/v1/reports?runs=${a},${a}`);
    expect(repeated.body.issues?.map((i) => i.field)).toEqual(['querystring.runs']);
  });
});
