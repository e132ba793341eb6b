import { execFileSync } from 'node:child_process';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { csvField } from '../api/routes/history/csv.js';
import { HOUR, sharingStack, testClock } from './sharing-fixture.js';

type Stack = Awaited<ReturnType<typeof sharingStack>>;
type Person = Awaited<ReturnType<Stack['user']>>;


/** Shanghai wall time: `day` of 2026 month `month` (1-based) at `h`:00 local. */
const local = (month: number, day: number, h = 0) => Date.UTC(2026, month - 1, day, h) - 8 * HOUR;

const EVIL = '=HYPERLINK("http://evil.test","click")';

/** Review of issue #16's service report: income follows usage billing's months, bounded provenance, settings, exports. */
describe('service report review', () => {
  let s: Stack;
  let gina: Person; // globex
  const clock = testClock(local(11, 29));
  let runId = '';

  beforeAll(async () => {
    // The laboratory is in Shanghai (UTC+8): the API's one zone (PILOTHUB_TIME_ZONE in production).
    s = await sharingStack({ clock, timeZone: 'Asia/Shanghai' });
    await s.org('globex');
    gina = await s.user('customer', 'globex', 'gina');
    await s.announce('eq-m');
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/eq-m', { bookable: true, autoApproveAll: true, rateExternal: 100, billingPolicy: 'booked', originalValue: 987_654, originalValueCurrency: 'EUR', yearlyHoursNorm: 321 });
    // 02:00-04:00 on 1 December in Shanghai is 18:00-20:00 on 30 November UTC.
    await s.ok(gina.token, 'POST', '/api/v1/bookings', { equipmentId: 'eq-m', startsAt: s.iso(local(12, 1, 2)), endsAt: s.iso(local(12, 1, 4)) });
    // An organisation whose name a spreadsheet would run as a formula, with a booking so it is in the report.
    await s.ok(s.admin, 'POST', '/api/v1/orgs', { id: 'evil', name: EVIL });
    const mallory = await s.user('customer', 'evil', 'mallory');
    await s.announce('eq-n');
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/eq-n', { bookable: true, autoApproveAll: true, rateExternal: 10 });
    await s.ok(mallory.token, 'POST', '/api/v1/bookings', { equipmentId: 'eq-n', startsAt: s.iso(local(11, 30, 10)), endsAt: s.iso(local(11, 30, 11)) });
    const erin = await s.user('engineer', 'operator', 'erin');
    for (const [from, to] of [[10, 11], [12, 14], [15, 18]] as const) {
      const r = await s.ok<{ id: string }>(erin.token, 'POST', '/api/v1/runs', { equipmentId: 'eq-m', startedAt: s.iso(local(12, 2, from)) });
      await s.ok(erin.token, 'POST', `/api/v1/runs/${r.id}/close`, { endedAt: s.iso(local(12, 2, to)) });
      runId = r.id;
    }
    clock.set(local(12, 3));
  });

  it('bills a booking at 02:00 on 1 December (Shanghai) in December, in usage and in the report\'s income alike', async () => {
    const december = await s.ok<{ total: number }>(gina.token, 'GET', '/api/v1/usage?month=2026-12');
    const november = await s.ok<{ total: number }>(gina.token, 'GET', '/api/v1/usage?month=2026-11');
    expect([november.total, december.total]).toEqual([0, 200]);
    const report = await s.ok<{ equipment: { period: string; equipmentId: string; incomeExternal: number }[] }>(
      s.admin, 'GET', `/api/v1/service-report?from=${s.iso(local(11, 1))}&to=${s.iso(local(12, 31))}&groupBy=month&equipment=eq-m`);
    expect(report.equipment.map((e) => [e.period, e.incomeExternal])).toEqual([['2026-11', 0], ['2026-12', december.total]]);
  });

  it('gives no yield when the original value is in another currency than income (no exchange rate is assumed)', async () => {
    const report = await s.ok<{ settings: { currency: string }; equipment: { incomeExternal: number; currency: string; yield: number | null }[] }>(
      s.admin, 'GET', `/api/v1/service-report?from=${s.iso(local(12, 1))}&to=${s.iso(local(12, 31))}&equipment=eq-m`);
    expect(report.settings.currency).toBe('CNY');
    expect(report.equipment[0]).toMatchObject({ incomeExternal: 200, currency: 'EUR', yield: null });
  });

  it('shows a customer neither the equipment\'s original value, its currency nor its hours norm; staff see them', async () => {
    const theirs = await s.call<{ profile: Record<string, unknown> }>(gina.token, 'GET', '/api/v1/equipment/eq-m');
    expect(theirs.status).toBe(200);
    expect(theirs.body.profile).toMatchObject({ originalValue: null, originalValueCurrency: null, yearlyHoursNorm: null, rateInternal: null });
    expect(theirs.text).not.toContain('987654');
    expect(theirs.text).not.toContain('EUR');
    const list = await s.call(gina.token, 'GET', '/api/v1/equipment');
    expect(list.text).not.toContain('987654');
    const staff = await s.ok<{ profile: Record<string, unknown> }>(s.admin, 'GET', '/api/v1/equipment/eq-m');
    expect(staff.profile).toMatchObject({ originalValue: 987_654, originalValueCurrency: 'EUR', yearlyHoursNorm: 321 });
  });

  it('pages the runs a figure sums, each page stating totalHours over all of them, and bounds the page size', async () => {
    const window = `from=${s.iso(local(12, 2))}&to=${s.iso(local(12, 3))}&equipment=eq-m`;
    const report = await s.ok<{ equipment: { effectiveHours: number }[] }>(s.admin, 'GET', `/api/v1/service-report?${window}`);
    type Page = { totalHours: number; total: number; next: number | null; items: { hours: number }[] };
    const first = await s.ok<Page>(s.admin, 'GET', `/api/v1/service-report/runs?${window}&limit=2`);
    expect(first).toMatchObject({ totalHours: 6, total: 3, next: 2 });
    expect(first.items.map((r) => r.hours)).toEqual([1, 2]);
    const second = await s.ok<Page>(s.admin, 'GET', `/api/v1/service-report/runs?${window}&limit=2&offset=${first.next}`);
    expect(second).toMatchObject({ totalHours: 6, total: 3, next: null });
    expect([...first.items, ...second.items].reduce((sum, r) => sum + r.hours, 0)).toBe(report.equipment[0]!.effectiveHours);
    const big = await s.call<{ message: string; issues: { field: string }[] }>(s.admin, 'GET', `/api/v1/service-report/runs?${window}&limit=10001`);
    expect(big.status).toBe(400);
    expect(big.body.issues[0]!.field).toBe('querystring.limit');
  });

  it('exports text that a spreadsheet would run as a formula with a leading apostrophe, in CSV and XLSX', async () => {
    expect([csvField('=1+1'), csvField('+1'), csvField('-1'), csvField('@SUM(A1)'), csvField('\t=1'), csvField('\r=1')])
      .toEqual(['"\'=1+1"', '"\'+1"', '"\'-1"', '"\'@SUM(A1)"', '"\'\t=1"', '"\'\r=1"']);
    expect([csvField(-1), csvField('a=b'), csvField('Org 1')]).toEqual(['-1', '"a=b"', '"Org 1"']);
    const window = `from=${s.iso(local(11, 1))}&to=${s.iso(local(12, 31))}`;
    const csv = await s.call(s.admin, 'GET', `/api/v1/service-report?${window}&format=csv&table=organisations`);
    const rows = parse(csv.text, { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.find((r) => r.orgId === 'evil')?.orgName).toBe(`'${EVIL}`);
    const res = await fetch(`${s.api.url}/api/v1/service-report?${window}&format=xlsx`, { headers: { authorization: `Bearer ${s.admin}` } });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await res.arrayBuffer());
    const sheet = book.getWorksheet('organisations')!;
    const names = sheet.getColumn(3).values.slice(2);
    expect(names).toContain(`'${EVIL}`);
    expect(names).not.toContain(EVIL);
  });

  it('refuses years outside 2000-2100 and a table without format=csv, naming the parameter', async () => {
    for (const year of ['0099', '1999', '2101']) {
      const r = await s.call<{ message: string; issues: { field: string }[] }>(s.admin, 'GET', `/api/v1/service-report/annual?year=${year}`);
      expect([year, r.status]).toEqual([year, 400]);
      expect(r.body.issues[0]!.field).toBe('querystring.year');
    }
    expect((await s.call(s.admin, 'GET', '/api/v1/service-report/annual?year=2000')).status).toBe(200);
    const window = `from=${s.iso(local(12, 1))}&to=${s.iso(local(12, 2))}`;
    for (const format of ['json', 'xlsx']) {
      const r = await s.call<{ message: string; issues: { field: string }[] }>(s.admin, 'GET', `/api/v1/service-report?${window}&format=${format}&table=totals`);
      expect([format, r.status]).toEqual([format, 400]);
      expect(r.body.issues[0]!.field).toBe('querystring.table');
    }
    expect((await s.call(s.admin, 'GET', `/api/v1/service-report?${window}&format=csv&table=totals`)).status).toBe(200);
  });

  it('prints verification and service report PDFs with one Chromium for the whole API', async () => {
    const pdf = async (path: string) => {
      const res = await fetch(`${s.api.url}${path}`, { headers: { authorization: `Bearer ${s.admin}` } });
      expect([path, res.status, res.headers.get('content-type')]).toEqual([path, 200, 'application/pdf']);
      await res.arrayBuffer();
    };
    const report = await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/reports', { runId, method: 'review' });
    await pdf(`/api/v1/reports/${report.id}/pdf`);
    await pdf('/api/v1/service-report/annual?year=2026&format=pdf');
    // The API runs in this process: each browser it launched is a direct child (its helpers are the browser's).
    const browsers = execFileSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)]).toString().split('\n').filter((c) => /chrom/i.test(c));
    expect(browsers).toHaveLength(1);
  });
});
