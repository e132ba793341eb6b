/**
 * CSV for people who open it in a spreadsheet: a UTF-8 byte order mark first, so Excel reads Chinese names as UTF-8
 * instead of the system code page (GBK on Chinese Windows). Not for the report's canonical data CSV: its bytes are
 * hashed, and they must not change.
 */
export const UTF8_BOM = '\uFEFF';
export const spreadsheetCsv = (csv: string) => UTF8_BOM + csv;
