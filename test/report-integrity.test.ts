import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../common/contracts/index.js';
import { readingToLine } from '../common/influx/layout.js';
import { ITEM_TESTED_STATEMENT } from '../api/reports/model.js';
import { SITE } from './sharing-fixture.js';
import { customerRun, historyStack } from './history-fixture.js';

type Stack = Awaited<ReturnType<typeof historyStack>>;

const RUN_FROM = Date.UTC(2026, 10, 23, 9, 0, 0);
const RUN_TO = RUN_FROM + 300_000;
const readings: Reading[] = [];
// The run window is half-open (issue #12): its 300 s hold the samples 0..299, none at RUN_TO.
for (let i = 0; i < 300; i++) {
  const t = RUN_FROM + i * 1000;
  readings.push({ p: 'temp', t, v: i === 120 ? 199.5 : 150 + Math.round(10 * Math.sin(i / 20)) / 10 });
  if (i % 5 === 0) readings.push({ p: 'flow', t, v: i === 50 ? null : i === 55 ? 0.1 + 0.2 : 0.1 * i, q: i === 50 ? 'bad' : 'good' });
}
readings.push({ p: 'on', t: RUN_FROM, v: true }, { p: 'label', t: RUN_FROM + 1, v: 'batch "7", lot 3' });

describe('verification reports: content, HTML, PDF, CSV, integrity, amendments, tenancy', () => {
  let s: Stack;
  let runId: string;
  let customerToken: string;
  let report: { id: string; dataSha256: string; pointCount: number; version: number; links: { self: string; html: string; pdf: string; csv: string; verify: string } };

  beforeAll(async () => {
    s = await historyStack('rep-i', [
      { id: 'temp', name: 'Inlet temperature', unit: '°C', datatype: 'number' },
      { id: 'flow', name: 'Feed rate', unit: 'kg/h', datatype: 'number' },
      { id: 'on', name: 'Running', unit: '', datatype: 'boolean' },
      { id: 'label', name: 'Batch label', unit: '', datatype: 'string' },
    ]);
    await s.write(readings);
    await s.org('acme');
    await s.org('rival');
    ({ runId, customer: { token: customerToken } } = await customerRun(s, 'rep-i', 'acme', RUN_FROM, RUN_TO));
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/rep-i', {
      manufacturer: 'Buchi', model: 'B-290', serialNumber: 'SN-4711', firmware: '2.1.0',
      calibrationDate: Date.UTC(2026, 5, 1), calibrationDue: Date.UTC(2027, 5, 1), calibrationCertificate: 'CAL-99',
    });
    await s.ok(s.admin, 'POST', '/api/v1/spec-limits', { equipmentId: 'rep-i', parameter: 'temp', low: 140, high: 160, target: 150 });
    expect((await s.call(customerToken, 'POST', '/api/v1/reports', { runId, method: 'm' })).status).toBe(403);
    report = await s.ok(s.admin, 'POST', '/api/v1/reports', { runId, method: 'SD-7 rev 2 (spray drying of maltodextrin)' });
  });

  it('states what ISO/IEC 17025 §7.8 asks for', async () => {
    const c = await s.ok(s.admin, 'GET', report.links.self);
    expect(c).toMatchObject({
      id: report.id, version: 1, previousId: null, method: 'SD-7 rev 2 (spray drying of maltodextrin)',
      customer: { orgId: 'acme', name: 'Org acme' }, run: { id: runId, from: RUN_FROM, to: RUN_TO },
      equipment: { id: 'rep-i', manufacturer: 'Buchi', model: 'B-290', serialNumber: 'SN-4711', firmware: '2.1.0', calibrationDue: Date.UTC(2027, 5, 1) },
      integrity: { algorithm: 'sha256', sha256: report.dataSha256, pointCount: readings.length },
    });
    expect(c.authorisedBy.role).toBe('admin');
    expect(c.platform.name).toBeTruthy();
    expect(c.statement).toContain('relate only to the item tested');
    expect(c.acquisition.parameters.find((p: { parameter: string }) => p.parameter === 'flow').medianIntervalMs).toBe(5000);
    const temp = c.parameters.find((p: { id: string }) => p.id === 'temp');
    expect(temp.verdict).toBe('not met');
    expect(temp.excursions).toHaveLength(1);
    expect(temp.excursions[0]).toMatchObject({ side: 'high', start: RUN_FROM + 120_000, end: RUN_FROM + 121_000, peak: 199.5 });
    expect(c.parameters.find((p: { id: string }) => p.id === 'flow').verdict).toBe('no spec');
  });

  it('renders HTML with one min/max-preserving SVG chart per numeric parameter', async () => {
    const html = (await s.call(s.admin, 'GET', report.links.html)).text;
    expect(html).toContain(report.id);
    expect(html).toContain('B-290');
    expect(html).toContain('relate only to the item tested');
    expect(html).toContain(report.dataSha256);
    expect(html.match(/<svg /g)).toHaveLength(2);
    // The spike at 199.5 must reach the top of the chart: it is the largest y label.
    expect(html).toContain('>199.5 °C<');
  });

  it('prints the PDF from the HTML', async () => {
    const res = await s.get(report.links.pdf);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-8).toString('latin1')).toContain('%%EOF');
    expect(pdf.length).toBeGreaterThan(10_000);
    // Chromium writes the HTML <title> into the PDF's document information dictionary.
    expect(pdf.toString('latin1')).toContain(`/Title (Verification report ${report.id})`);
    expect(pdf.toString('latin1').match(/\/Type \/Page\b/g)?.length).toBeGreaterThanOrEqual(1);
    // What a reader sees: the text of the PDF, extracted by poppler's pdftotext (Debian poppler-utils).
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdf }).toString('utf8').replace(/\s+/g, ' ');
    expect(text).toContain(`Verification report ${report.id}`);
    for (const words of ['Inlet temperature', 'Feed rate', '199.5', 'Item tested', ITEM_TESTED_STATEMENT]) expect(text).toContain(words);
    // The hash may wrap anywhere in its box: compare without white space.
    expect(text.replace(/ /g, '')).toContain(report.dataSha256);
  });

  it('ships the data as the canonical CSV whose sha256 is the report hash', async () => {
    const csv = (await s.call(s.admin, 'GET', report.links.csv)).text;
    expect(createHash('sha256').update(csv, 'utf8').digest('hex')).toBe(report.dataSha256);
    const lines = csv.split('\n');
    expect(lines[0]).toBe('parameter,epoch_ms,value,quality');
    expect(lines).toHaveLength(readings.length + 2);
    expect(lines.at(-1)).toBe('');
    expect(lines[1]).toBe(`flow,${RUN_FROM},0,good`);
    expect(lines).toContain(`flow,${RUN_FROM + 50_000},,bad`);
    expect(lines).toContain(`label,${RUN_FROM + 1},"batch ""7"", lot 3",good`);
    expect(lines).toContain(`on,${RUN_FROM},true,good`);
    expect(lines).toContain(`temp,${RUN_FROM + 120_000},199.5,good`);
    // Shortest round-trip text of the stored double, not a rounded one.
    expect(lines).toContain(`flow,${RUN_FROM + 55_000},0.30000000000000004,good`);
    const params = lines.slice(1, -1).map((l) => l.split(',')[0]);
    expect(params).toEqual([...params].sort());
  });

  it('verify answers match, then mismatch with the first differing point after one stored point changes', async () => {
    expect((await s.ok(s.admin, 'GET', report.links.verify)).result).toBe('match');
    const t = RUN_FROM + 200_000;
    const original = readings.find((r) => r.p === 'temp' && r.t === t)!;
    // Same series and timestamp: InfluxDB overwrites the stored point.
    await s.influx.client.write(readingToLine({ site: SITE, equipment: 'rep-i', gateway: 'gw-s' }, { p: 'temp', t, v: 151.25 }));
    const v = await s.ok(s.admin, 'GET', report.links.verify);
    expect(v).toMatchObject({ result: 'mismatch', storedDataIntact: true, issuedPointCount: readings.length, currentPointCount: readings.length });
    expect(v.currentSha256).not.toBe(report.dataSha256);
    expect(v.firstDifference).toMatchObject({ parameter: 'temp', epochMs: t, issued: `temp,${t},${original.v},good`, current: `temp,${t},151.25,good` });
    await s.influx.client.write(readingToLine({ site: SITE, equipment: 'rep-i', gateway: 'gw-s' }, original));
    expect((await s.ok(s.admin, 'GET', report.links.verify)).result).toBe('match');
  });

  it('amends as a new version referencing the previous one; both stay readable and audited', async () => {
    const v2 = await s.ok(s.admin, 'POST', `${report.links.self}/amendments`, { reason: 'method name corrected', method: 'SD-7 rev 3' });
    expect(v2).toMatchObject({ version: 2, previousId: report.id, runId, dataSha256: report.dataSha256 });
    const c2 = await s.ok(s.admin, 'GET', v2.links.self);
    expect(c2).toMatchObject({ method: 'SD-7 rev 3', amendmentReason: 'method name corrected', previousId: report.id });
    expect((await s.ok(s.admin, 'GET', report.links.self)).method).toBe('SD-7 rev 2 (spray drying of maltodextrin)');
    const again = await s.call(s.admin, 'POST', `${report.links.self}/amendments`, { reason: 'twice' });
    expect(again.status).toBe(409);
    const second = await s.call(s.admin, 'POST', '/api/v1/reports', { runId, method: 'another original' });
    expect(second.status).toBe(409);
    expect(second.text).toContain('amendment');
    const audit = await s.ok(s.admin, 'GET', '/api/v1/audit?entity=report');
    expect(audit.items.map((e: { action: string; entityId: string }) => `${e.action}:${e.entityId}`).sort())
      .toEqual([`report.amend:${v2.id}`, `report.issue:${report.id}`].sort());
    const list = await s.ok(s.admin, 'GET', `/api/v1/reports?runId=${runId}`);
    expect(list.items.map((r: { version: number }) => r.version)).toEqual([1, 2]);
  });

  it("shows a customer their organisation's reports and answers 404 for another's", async () => {
    expect((await s.call(customerToken, 'GET', report.links.self)).status).toBe(200);
    expect((await s.call(customerToken, 'GET', report.links.verify)).status).toBe(200);
    const rival = await s.user('customer', 'rival');
    for (const link of Object.values(report.links)) expect((await s.call(rival.token, 'GET', link)).status).toBe(404);
    expect((await s.ok(rival.token, 'GET', '/api/v1/reports')).items).toEqual([]);
    expect((await s.call(rival.token, 'POST', `${report.links.self}/amendments`, { reason: 'x' })).status).toBe(403);
  });

  it('refuses a report for an open run', async () => {
    const open = await s.ok(s.admin, 'POST', '/api/v1/runs', { equipmentId: 'rep-i', startedAt: new Date(RUN_TO + 3_600_000).toISOString() });
    const res = await s.call(s.admin, 'POST', '/api/v1/reports', { runId: open.id, method: 'm' });
    expect(res.status).toBe(409);
    expect(res.text).toContain('still open');
  });
});
