import { createHash } from 'node:crypto';
import type { ReadingValue } from '../../common/contracts/index.js';
import type { StoredPoint } from '../../common/influx/layout.js';

/**
 * The canonical serialisation of a run's points, version 1 (README "Verification reports and data
 * integrity"). It is also the run-data CSV a report ships, so anyone can recompute the report's hash
 * with `sha256sum run-data.csv`:
 * - UTF-8, lines end with "\n" (also the last), header line `parameter,epoch_ms,value,quality`;
 * - one line per stored point, ordered by parameter id (byte order) and then by time ascending;
 * - epoch_ms: the point's time as a base-10 integer of milliseconds;
 * - value: numbers as ECMAScript Number#toString (shortest text that reads back to the same float64),
 *   booleans `true`/`false`, strings always in double quotes with inner quotes doubled (RFC 4180),
 *   and nothing at all when the point has no value (a bad reading);
 * - quality: `good`, `uncertain` or `bad`.
 */
export const CANONICAL_FORMAT = 'pilothub-run-csv-v1';
export const CANONICAL_HEADER = 'parameter,epoch_ms,value,quality';

export function canonicalValue(v: ReadingValue | null): string {
  if (v === null) return '';
  if (typeof v === 'string') return `"${v.replace(/"/g, '""')}"`;
  return String(v);
}

export function canonicalLine(parameter: string, p: StoredPoint): string {
  return `${parameter},${p.t},${canonicalValue(p.v)},${p.q}`;
}

/** Parameters in byte order, as the serialisation requires (ids are ASCII, so code unit order is byte order). */
export function canonicalOrder(parameters: Iterable<string>): string[] {
  return [...parameters].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** One parameter's lines of the serialisation, each ending with "\n". */
export function canonicalChunk(parameter: string, points: StoredPoint[]): string {
  let out = '';
  for (const p of points) out += `${canonicalLine(parameter, p)}\n`;
  return out;
}

export interface Canonical { csv: string; sha256: string; pointCount: number }

/** Joins per-parameter chunks (from canonicalChunk) into the serialisation and hashes it. */
export function canonicalJoin(chunks: Map<string, { text: string; count: number }>): Canonical {
  let csv = `${CANONICAL_HEADER}\n`;
  let pointCount = 0;
  for (const parameter of canonicalOrder(chunks.keys())) {
    const chunk = chunks.get(parameter)!;
    csv += chunk.text;
    pointCount += chunk.count;
  }
  return { csv, sha256: createHash('sha256').update(csv, 'utf8').digest('hex'), pointCount };
}

export interface Difference { line: number; parameter: string | null; epochMs: number | null; issued: string | null; current: string | null }

/** The first line where the issued serialisation and the current one differ (1-based, header is line 1). */
export function firstDifference(issued: string, current: string): Difference | null {
  const a = issued.split('\n');
  const b = current.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    const line = a[i] ?? b[i] ?? '';
    const [parameter, epoch] = line.split(',');
    return { line: i + 1, parameter: parameter || null, epochMs: epoch && /^\d+$/.test(epoch) ? Number(epoch) : null, issued: a[i] ?? null, current: b[i] ?? null };
  }
  return null;
}
