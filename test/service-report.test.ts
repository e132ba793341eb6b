import { execFileSync } from 'node:child_process';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DAY, HOUR, sharingStack, testClock } from './sharing-fixture.js';

type Stack = Awaited<ReturnType<typeof sharingStack>>;
type Person = Awaited<ReturnType<Stack['user']>>;
interface Run { id: string; equipmentId: string; orgId: string | null; startedAt: number; endedAt: number | null }
interface Figures { equipmentId: string; period: string; effectiveHours: number; externalHours: number; internalHours: number; [k: string]: unknown }


const D = (day: number, h = 0, m = 0) => Date.UTC(2026, 10, day, h, m);

/**
 * The service report over a real API and SQLite, against the runs GET /api/v1/runs lists: runs crossing the window's
 * edges, a corrected run, a run during maintenance, an open run, internal use without a booking, a cancellation
 * and a no-show; customers see only their own organisation; CSV, XLSX and the annual PDF carry the same figures.
 */
describe('service report', () => {
  let s: Stack;
  let alice: Person; // acme
  let gina: Person; // globex
  let erin: Person; // operator engineer
  const clock = testClock(D(23, 8));
  const runIds: Record<string, string> = {};

  beforeAll(async () => {
    // Periods follow the laboratory's zone, the API's one (PILOTHUB_TIME_ZONE in production).
    s = await sharingStack({ clock, timeZone: 'Asia/Shanghai' });
    await s.org('acme');
    await s.org('globex');
    alice = await s.user('customer', 'acme', 'alice');
    gina = await s.user('customer', 'globex', 'gina');
    erin = await s.user('engineer', 'operator', 'erin');
    await s.announce('eq-a');
    await s.announce('eq-b');
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/eq-a', { bookable: true, autoApproveAll: true, rateInternal: 40, rateExternal: 100, billingPolicy: 'used', originalValue: 12_000_000, originalValueCurrency: 'CNY' });
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/eq-b', { bookable: true, autoApproveAll: true, rateExternal: 50, billingPolicy: 'max', originalValue: 600_000, yearlyHoursNorm: 100 });
    const book = (who: Person, eq: string, from: number, to: number) => s.ok<{ id: string }>(who.token, 'POST', '/api/v1/bookings', { equipmentId: eq, startsAt: s.iso(from), endsAt: s.iso(to) });
    const b1 = await book(alice, 'eq-a', D(24, 1), D(24, 5));
    const b2 = await book(gina, 'eq-b', D(24, 2), D(24, 4));
    const b3 = await book(alice, 'eq-a', D(25, 6), D(25, 8));
    await book(gina, 'eq-a', D(26, 10), D(26, 12)); // never used: a no-show
    await s.ok(alice.token, 'POST', `/api/v1/bookings/${b3.id}/cancel`, { reason: 'sample not ready' });
    await s.ok(erin.token, 'POST', '/api/v1/equipment/eq-b/maintenance', { startsAt: s.iso(D(24, 3)), endsAt: s.iso(D(24, 5)), reason: 'calibration' });
    const run = async (name: string, eq: string, from: number, to: number, bookingId?: string) => {
      const r = await s.ok<Run>(erin.token, 'POST', '/api/v1/runs', { equipmentId: eq, startedAt: s.iso(from), ...(bookingId ? { bookingId } : {}) });
      await s.ok(erin.token, 'POST', `/api/v1/runs/${r.id}/close`, { endedAt: s.iso(to) });
      runIds[name] = r.id;
    };
    await run('r1', 'eq-a', D(24, 1), D(24, 4, 30), b1.id);
    await run('r2', 'eq-a', D(24, 20), D(25, 2)); // internal use: no booking
    await run('r3', 'eq-b', D(24, 2), D(24, 4), b2.id); // during maintenance
    // Corrected by hand: counted with the corrected times, and flagged.
    await s.ok(erin.token, 'PATCH', `/api/v1/runs/${runIds.r1}`, { startedAt: s.iso(D(24, 1, 10)), endedAt: s.iso(D(24, 4, 40)), note: 'operator log says 01:10' });
    clock.set(D(28, 0));
    const open = await s.ok<Run>(erin.token, 'POST', '/api/v1/runs', { equipmentId: 'eq-a', startedAt: s.iso(D(27, 22)) });
    runIds.r4 = open.id;
  });

  const q = (from: number, to: number, extra = '') => `from=${s.iso(from)}&to=${s.iso(to)}${extra}`;
  const clipped = (runs: Run[], from: number, to: number) => runs.reduce((sum, r) => sum + Math.max(0, Math.min(r.endedAt ?? clock.now(), to) - Math.max(r.startedAt, from)), 0) / HOUR;

  it.each([
    ['crossing both edges', D(24, 2), D(25, 0)],
    ['inside runs', D(24, 3), D(24, 4)],
    ['the whole week, open run to now', D(24, 0), D(28, 0)],
    ['an open run past now', D(27, 23), D(29, 0)],
  ])('effectiveHours and externalHours equal the runs GET /api/v1/runs lists, clipped to the window (%s)', async (_name, from, to) => {
    const runs = (await s.ok<{ items: Run[] }>(s.admin, 'GET', `/api/v1/runs?${q(from, to)}`)).items;
    const report = await s.ok<{ equipment: Figures[]; heatmap: number[][] }>(s.admin, 'GET', `/api/v1/service-report?${q(from, to)}`);
    for (const eq of ['eq-a', 'eq-b']) {
      const mine = runs.filter((r) => r.equipmentId === eq);
      const row = report.equipment.find((e) => e.equipmentId === eq)!;
      expect(row.effectiveHours).toBeCloseTo(clipped(mine, from, to), 3);
      expect(row.externalHours).toBeCloseTo(clipped(mine.filter((r) => r.orgId !== null && r.orgId !== 'operator'), from, to), 3);
      expect(row.internalHours).toBeCloseTo(row.effectiveHours - row.externalHours, 3);
    }
    const total = report.heatmap.flat().reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(clipped(runs, from, to), 2);
    expect(clipped(runs, from, to)).toBeGreaterThan(0);
  });

  it('counts the corrected run with its corrected times, flags it, and lists the runs each figure sums', async () => {
    const from = D(24, 0);
    const to = D(25, 0);
    const report = await s.ok<{ equipment: Figures[] }>(s.admin, 'GET', `/api/v1/service-report?${q(from, to)}`);
    const a = report.equipment.find((e) => e.equipmentId === 'eq-a')!;
    // r1 corrected to 01:10-04:40 (3.5 h) + r2 20:00-24:00 (4 h)
    expect(a).toMatchObject({ effectiveHours: 7.5, externalHours: 3.5, internalHours: 4, correctedRuns: 1, runs: 2, sharingRate: 0.4667, orgsServed: 1, orgsServedList: ['acme'] });
    const b = report.equipment.find((e) => e.equipmentId === 'eq-b')!;
    // r3 ran during the maintenance window: measured time counts, and the maintenance is reported beside it.
    expect(b).toMatchObject({ effectiveHours: 2, externalHours: 2, maintenanceHours: 2, availability: Number(((24 - 2) / 24).toFixed(4)) });
    const external = await s.ok<{ totalHours: number; items: { runId: string; corrected: boolean; bookingId: string | null; hours: number; links: Record<string, string> }[] }>(
      s.admin, 'GET', `/api/v1/service-report/runs?${q(from, to, '&equipment=eq-a&kind=external')}`);
    expect(external.totalHours).toBe(a.externalHours);
    expect(external.items.map((r) => [r.runId, r.corrected])).toEqual([[runIds.r1, true]]);
    expect(external.items[0]!.links.booking).toBe(`/api/v1/bookings/${external.items[0]!.bookingId}`);
    const audit = await s.ok<{ items: { action: string }[] }>(s.admin, 'GET', external.items[0]!.links.audit!);
    expect(audit.items.map((e) => e.action)).toContain('run.correct');
    const all = await s.ok<{ totalHours: number }>(s.admin, 'GET', `/api/v1/service-report/runs?${q(from, to, '&equipment=eq-a')}`);
    expect(all.totalHours).toBe(a.effectiveHours);
  });

  it('groups by month in the laboratory time zone, with bookings, cancellations, no-shows, income, yield and norm', async () => {
    const report = await s.ok<any>(s.admin, 'GET', `/api/v1/service-report?${q(D(1) - 8 * HOUR, D(31) - 8 * HOUR, '&groupBy=month')}`);
    expect(report.timeZone).toBe('Asia/Shanghai');
    expect(report.periods).toEqual([{ key: '2026-11', from: D(1) - 8 * HOUR, to: D(31) - 8 * HOUR }]);
    const a = report.equipment.find((e: Figures) => e.equipmentId === 'eq-a');
    expect(a).toMatchObject({ bookings: 2, cancellations: 1, noShows: 1, bookedHours: 6, incomeExternal: 350, incomeInternal: 0, valueBand: '>=10000000' });
    expect(a.yield).toBeCloseTo((350 * 1.5) / 12_000_000, 4);
    // 800 h a year pro-rated to November (30 of 365 days).
    expect(a.hoursNorm).toBeCloseTo((800 * 30) / 365, 1);
    expect(a.meetsNorm).toBe(false);
    const b = report.equipment.find((e: Figures) => e.equipmentId === 'eq-b');
    expect(b).toMatchObject({ incomeExternal: 100, valueBand: '>=500000', measuredToBooked: 1, hoursNorm: Math.round((100 * 30) / 365 * 100) / 100 });
    const big = report.totals.find((t: any) => t.band === '>=10000000');
    expect(big).toMatchObject({ equipment: 1, effectiveHours: a.effectiveHours });
    const half = report.totals.find((t: any) => t.band === '>=500000');
    expect(half.equipment).toBe(2);
    // Operator staff: one row per customer organisation and period, over all equipment.
    expect(report.organisations).toEqual([
      expect.objectContaining({ orgId: 'acme', equipmentId: null, equipmentUsed: 1, hours: 3.5, bookings: 1, cancellations: 1, noShows: 0, charges: 350 }),
      expect.objectContaining({ orgId: 'globex', equipmentId: null, equipmentUsed: 1, hours: 2, bookings: 2, noShows: 1, charges: 100 }),
    ]);
  });

  it('shows a customer only its own organisation: no other organisation, no platform tables', async () => {
    const window = q(D(1) - 8 * HOUR, D(31) - 8 * HOUR);
    const mine = await s.call<any>(alice.token, 'GET', `/api/v1/service-report?${window}`);
    expect(mine.status).toBe(200);
    expect(mine.body.scope).toBe('organisation');
    expect(mine.body.equipment).toEqual([]);
    expect(mine.body.totals).toEqual([]);
    expect(mine.body.organisations).toEqual([expect.objectContaining({ orgId: 'acme', equipmentId: 'eq-a', equipmentUsed: 1, hours: 3.5, bookings: 1, cancellations: 1, charges: 350 })]);
    // globex booked and ran eq-b; acme never did: neither may appear in acme's answer.
    expect(mine.text).not.toContain('globex');
    expect(mine.text).not.toContain('eq-b');
    const runs = await s.ok<{ items: { orgId: string }[] }>(alice.token, 'GET', `/api/v1/service-report/runs?${window}`);
    expect(new Set(runs.items.map((r) => r.orgId))).toEqual(new Set(['acme']));
    expect((await s.call(alice.token, 'GET', `/api/v1/service-report/runs?${window}&org=globex`)).status).toBe(404);
    const csv = await s.call(alice.token, 'GET', `/api/v1/service-report?${window}&format=csv`);
    expect(csv.text).not.toContain('globex');
    expect((await s.call(alice.token, 'GET', '/api/v1/service-report/annual?year=2026')).status).toBe(403);
    const theirs = await s.ok<any>(gina.token, 'GET', `/api/v1/service-report?${window}`);
    expect(JSON.stringify(theirs)).not.toContain('acme');
  });

  it('describes its routes in OpenAPI from the zod schemas', async () => {
    const doc = await (await fetch(`${s.api.url}/api/docs/json`)).json() as { paths: Record<string, { get?: { parameters?: { name: string }[] } }> };
    expect(doc.paths['/api/v1/service-report']?.get?.parameters?.map((p) => p.name)).toEqual(expect.arrayContaining(['from', 'to', 'equipment', 'groupBy', 'format']));
    expect(doc.paths['/api/v1/service-report/runs']?.get).toBeDefined();
    expect(doc.paths['/api/v1/service-report/annual']?.get).toBeDefined();
  });

  it('refuses bad windows and unknown equipment, naming the parameter', async () => {
    const bad = await s.call<{ message: string; issues: { field: string }[] }>(s.admin, 'GET', `/api/v1/service-report?${q(D(1), D(1) + 400 * DAY)}`);
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0]!.field).toBe('querystring.to');
    expect(bad.body.message).toMatch(/^To: /);
    const unknown = await s.call<{ message: string }>(s.admin, 'GET', `/api/v1/service-report?${q(D(1), D(2), '&equipment=eq-a,nope')}`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('"nope"');
  });

  it('exports CSV (UTF-8 with BOM) that parses back to the JSON figures', async () => {
    const window = q(D(1) - 8 * HOUR, D(31) - 8 * HOUR, '&groupBy=month');
    const json = await s.ok<any>(s.admin, 'GET', `/api/v1/service-report?${window}`);
    const res = await fetch(`${s.api.url}/api/v1/service-report?${window}&format=csv`, { headers: { authorization: `Bearer ${s.admin}` } });
    expect(res.headers.get('content-type')).toContain('text/csv');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(bytes.toString('utf8'), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(json.equipment.length);
    rows.forEach((row, i) => {
      const e = json.equipment[i];
      for (const [k, v] of Object.entries(row)) {
        const want = e[k] === null ? '' : Array.isArray(e[k]) ? e[k].join(' ') : String(e[k]);
        expect([k, v]).toEqual([k, want]);
      }
    });
  });

  it('exports an XLSX workbook with one sheet per table, holding the JSON figures', async () => {
    const window = q(D(1) - 8 * HOUR, D(31) - 8 * HOUR, '&groupBy=month');
    const json = await s.ok<any>(s.admin, 'GET', `/api/v1/service-report?${window}`);
    const res = await fetch(`${s.api.url}/api/v1/service-report?${window}&format=xlsx`, { headers: { authorization: `Bearer ${s.admin}` } });
    expect(res.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await res.arrayBuffer());
    expect(book.worksheets.map((w) => w.name)).toEqual(['report', 'equipment', 'totals', 'organisations']);
    const sheet = book.getWorksheet('equipment')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1) as string[];
    expect(sheet.rowCount).toBe(json.equipment.length + 1);
    json.equipment.forEach((e: any, i: number) => {
      const values = (sheet.getRow(i + 2).values as unknown[]).slice(1);
      header.forEach((k, c) => {
        const want = e[k] === null ? undefined : Array.isArray(e[k]) ? e[k].join(' ') : e[k];
        expect([k, values[c]]).toEqual([k, want]);
      });
    });
    expect(book.getWorksheet('report')!.getCell('B5').value).toBe('Asia/Shanghai');
  });

  it('prints the annual report as HTML and PDF whose text holds period, time zone, figures and definitions', async () => {
    const json = await s.ok<any>(s.admin, 'GET', `/api/v1/service-report?${q(Date.UTC(2025, 11, 31, 16), Date.UTC(2026, 11, 31, 16))}`);
    const a = json.equipment.find((e: Figures) => e.equipmentId === 'eq-a');
    const html = await s.call(s.admin, 'GET', '/api/v1/service-report/annual?year=2026');
    expect(html.status).toBe(200);
    expect(html.text).toContain('<svg');
    const res = await fetch(`${s.api.url}/api/v1/service-report/annual?year=2026&format=pdf`, { headers: { authorization: `Bearer ${s.admin}` } });
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: Buffer.from(await res.arrayBuffer()) }).toString('utf8').replace(/\s+/g, ' ');
    expect(text).toContain('Annual service report 2026');
    expect(text).toContain('Asia/Shanghai');
    expect(text).toContain('Test eq-a');
    expect(text).toContain(a.effectiveHours.toFixed(1));
    expect(text).toContain(`${(a.sharingRate * 100).toFixed(1)} %`);
    expect(text).toContain('Org acme');
    expect(text).toContain('Sharing rate');
    expect(text).toContain('How each figure is defined');
    const zh = await s.call(s.admin, 'GET', '/api/v1/service-report/annual?year=2026&lang=zh-CN');
    expect(zh.text).toContain('年度服务成效报告');
  });
});
