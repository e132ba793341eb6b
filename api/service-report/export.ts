import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';
import type { ServiceReport } from './model.js';
import { tablesOf, type TableName } from './tables.js';

/**
 * One table as CSV (csv-stringify: RFC 4180 quoting), UTF-8 with a byte-order mark so spreadsheet programs set to a
 * Chinese locale read names correctly; times stay epoch ms / UTC in the JSON, periods are named by their key.
 */
export function reportCsv(r: ServiceReport, name: TableName): string {
  const table = tablesOf(r).find((t) => t.name === name);
  if (!table) return '\uFEFF';
  const rows = table.rows.map((row) => row.map((v) => (v === null ? '' : typeof v === 'boolean' ? String(v) : v)));
  return `\uFEFF${stringify([table.columns, ...rows], { record_delimiter: '\r\n' })}`;
}

/** The whole report as a workbook (exceljs): a sheet stating the window and settings, then one sheet per table. */
export async function reportXlsx(r: ServiceReport): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = 'pilothub';
  book.created = new Date(r.generatedAt);
  const about = book.addWorksheet('report');
  about.addRows([
    ['scope', r.scope], ['organisation', r.org ?? ''], ['from', new Date(r.from).toISOString()], ['to', new Date(r.to).toISOString()],
    ['timeZone', r.timeZone], ['groupBy', r.groupBy], ['externalWeight', r.settings.externalWeight], ['hoursNorm', r.settings.hoursNorm],
    ['definitions', 'docs/service-report.md'],
  ]);
  for (const t of tablesOf(r)) {
    const sheet = book.addWorksheet(t.name);
    sheet.addRow(t.columns).font = { bold: true };
    sheet.addRows(t.rows);
    sheet.views = [{ state: 'frozen', ySplit: 1 }];
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}
