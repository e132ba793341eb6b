import { describe, expect, it } from 'vitest';
import { openDatabase } from '../api/db/index.js';
import type { ReportContent } from '../api/reports/model.js';
import { getReportSummary, insertReport, limitsFor, saveSpecLimit } from '../api/reports/store.js';

/** The database itself keeps issued reports immutable (migration 051), whatever code runs against it. */
describe('report storage in SQLite', () => {
  const db = openDatabase(':memory:');
  const row = {
    id: 'rpt_1', runId: 'run_1', equipmentId: 'dryer-1', orgId: null, version: 1, previousId: null, windowFrom: 1, windowTo: 2,
    issuedAt: 3, issuedBy: 'usr_1', parameters: ['temp'], content: {} as ReportContent, html: '<html></html>',
    pdf: Buffer.from('%PDF-'), dataCsvGz: Buffer.alloc(1), dataSha256: 'a'.repeat(64), pointCount: 0, dataFormat: 'pilothub-run-csv-v2' as const,
  };
  insertReport(db, row);

  it('refuses to update or delete an issued report', () => {
    expect(() => db.prepare("UPDATE reports SET data_sha256 = 'b' WHERE id = 'rpt_1'").run()).toThrow(/immutable/);
    expect(() => db.prepare("DELETE FROM reports WHERE id = 'rpt_1'").run()).toThrow(/immutable/);
    expect(getReportSummary(db, 'rpt_1')?.dataSha256).toBe('a'.repeat(64));
  });

  it('lets a version be amended once only', () => {
    insertReport(db, { ...row, id: 'rpt_2', version: 2, previousId: 'rpt_1' });
    expect(() => insertReport(db, { ...row, id: 'rpt_3', version: 3, previousId: 'rpt_1' })).toThrow(/UNIQUE/);
  });

  it("prefers a recipe's own limits over the default ones", () => {
    const base = { equipmentId: 'dryer-1', parameter: 'temp', low: null, target: null, createdAt: 1, updatedAt: 1 };
    saveSpecLimit(db, { ...base, id: 's1', recipe: null, high: 200 });
    saveSpecLimit(db, { ...base, id: 's2', recipe: 'B', high: 150 });
    expect(limitsFor(db, 'dryer-1', null).get('temp')?.high).toBe(200);
    expect(limitsFor(db, 'dryer-1', 'B').get('temp')?.high).toBe(150);
    expect(limitsFor(db, 'dryer-1', 'C').get('temp')?.high).toBe(200);
    expect(() => saveSpecLimit(db, { ...base, id: 's3', recipe: 'B', high: 1 })).toThrow(/UNIQUE/);
  });
});
