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

/** Parameters in byte order, as the serialisation requires (ids are ASCII, so code unit order is byte order). */
export function canonicalOrder(parameters: Iterable<string>): string[] {
  return [...parameters].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const QUALITY_TAIL = { good: ',good\n', uncertain: ',uncertain\n', bad: ',bad\n' };

/**
 * One parameter's lines of the serialisation (each ending with "\n") as UTF-8 bytes, written straight into a
 * buffer. A report holds a line per stored point (1.44 M for 8 h of 50 parameters at 1 Hz); building them as
 * strings and concatenating was most of the report's time (test/report-canonical.test.ts keeps the bytes equal
 * to the plain-string definition). Short ASCII pieces are copied byte by byte: cheaper than a native call each.
 */
export function canonicalChunk(parameter: string, points: readonly StoredPoint[]): Buffer {
  const head = `${parameter},`;
  let buf = Buffer.allocUnsafe(points.length * (head.length + 40) + 64);
  let at = 0;
  for (const p of points) {
    const value = typeof p.v === 'number' ? String(p.v) : canonicalValue(p.v);
    // UTF-8 takes at most 3 bytes per UTF-16 unit; 16 digits of time, 2 commas and the longest quality.
    const needed = head.length + 16 + value.length * 3 + 12;
    if (at + needed > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, at + needed));
      buf.copy(bigger, 0, 0, at);
      buf = bigger;
    }
    at = writeAscii(buf, at, head);
    at = writeDigits(buf, at, p.t);
    buf[at++] = 0x2c; // ,
    at = typeof p.v === 'string' ? at + buf.write(value, at, 'utf8') : writeAscii(buf, at, value);
    at = writeAscii(buf, at, QUALITY_TAIL[p.q]);
  }
  return buf.subarray(0, at);
}

/**
 * A non-negative integer (epoch ms) in base 10, as String(n) would write it. Split at 10^8 so the digit loops
 * run on small integers, which V8 keeps unboxed, instead of dividing doubles.
 */
function writeDigits(buf: Buffer, at: number, n: number): number {
  if (n < 1e8) return writeSmall(buf, at, n);
  const high = Math.floor(n / 1e8);
  at = writeSmall(buf, at, high);
  let low = n - high * 1e8;
  for (let i = at + 7; i >= at; i--) {
    const next = (low / 10) | 0;
    buf[i] = 0x30 + low - next * 10;
    low = next;
  }
  return at + 8;
}

function writeSmall(buf: Buffer, at: number, n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = (rest / 10) | 0) digits++;
  for (let i = at + digits - 1, rest = n; i >= at; i--) {
    const next = (rest / 10) | 0;
    buf[i] = 0x30 + rest - next * 10;
    rest = next;
  }
  return at + digits;
}

function writeAscii(buf: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) buf[at + i] = text.charCodeAt(i);
  return at + text.length;
}

export interface Canonical { csv: Buffer; sha256: string; pointCount: number }

/** Joins per-parameter chunks (from canonicalChunk) into the serialisation and hashes it. */
export function canonicalJoin(chunks: Map<string, { bytes: Buffer; count: number }>): Canonical {
  const parts: Buffer[] = [Buffer.from(`${CANONICAL_HEADER}\n`)];
  let pointCount = 0;
  for (const parameter of canonicalOrder(chunks.keys())) {
    const chunk = chunks.get(parameter)!;
    parts.push(chunk.bytes);
    pointCount += chunk.count;
  }
  const csv = Buffer.concat(parts);
  return { csv, sha256: createHash('sha256').update(csv).digest('hex'), pointCount };
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
