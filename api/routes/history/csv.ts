import type { ReadingValue } from '../../../common/contracts/index.js';
import type { History } from './schemas.js';

/**
 * Text a spreadsheet would run as a formula (= + - @, or a tab or carriage return before one) gets a leading
 * apostrophe, the OWASP "CSV injection" rule: names come from gateway births and admins, and a cell such as
 * =HYPERLINK(...) must open as text. Numbers are never text here, so negative values are untouched.
 */
export const formulaSafe = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);

/** RFC 4180 field: strings are always quoted (so "5" and 5 stay distinct), quotes doubled, formulas defused. */
export function csvField(v: ReadingValue | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return `"${formulaSafe(v).replace(/"/g, '""')}"`;
  return String(v);
}

const iso = (t: number) => new Date(t).toISOString();

/**
 * One row per distinct time across all requested parameters (aligned on time), one column group per
 * parameter; a parameter without a sample at that time leaves its cells empty.
 */
export function historyToCsv(h: History): string {
  const cols: { header: string[]; cells: Map<number, string[]> }[] = [];
  if (h.mode === 'raw') {
    for (const s of h.series) cols.push({ header: [s.parameter, `${s.parameter}_quality`], cells: new Map(s.points.map((p) => [p.t, [csvField(p.v), p.q]])) });
  } else if (h.mode === 'aggregate') {
    for (const s of h.series) {
      const quality = s.rows.some((r) => r.points !== undefined);
      const header = [...h.functions.map((f) => `${s.parameter}_${f}`), ...(quality ? [`${s.parameter}_points`, `${s.parameter}_good_percent`] : [])];
      cols.push({ header, cells: new Map(s.rows.map((r) => [r.t, [...h.functions.map((f) => csvField(r[f])), ...(quality ? [csvField(r.points), csvField(r.goodPercent)] : [])]])) });
    }
  } else {
    for (const s of h.series) {
      const quality = s.buckets.some((b) => b.points !== undefined);
      const header = [`${s.parameter}_min`, `${s.parameter}_max`, ...(quality ? [`${s.parameter}_points`, `${s.parameter}_good_percent`] : [])];
      cols.push({ header, cells: new Map(s.buckets.map((b) => [b.t, [csvField(b.min), csvField(b.max), ...(quality ? [csvField(b.points), csvField(b.goodPercent)] : [])]])) });
    }
  }
  const times = [...new Set(cols.flatMap((c) => [...c.cells.keys()]))].sort((a, b) => a - b);
  const lines = [['time', 'epoch_ms', ...cols.flatMap((c) => c.header)].join(',')];
  for (const t of times) lines.push([iso(t), String(t), ...cols.flatMap((c) => c.cells.get(t) ?? c.header.map(() => ''))].join(','));
  return `${lines.join('\n')}\n`;
}
