import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { z } from 'zod';
import type { ReadingValue } from '../../common/contracts/index.js';
import { ByteWriter, isAscii } from '../../common/encoding/byte-writer.js';
import type { StoredPoint } from '../../common/influx/layout.js';
import type { TimeRange } from './windows.js';

/**
 * The canonical serialisation of a run's points (README "Verification reports and data integrity"). It is also
 * the run-data CSV a report ships, so anyone can recompute the report's hash with `sha256sum run-data.csv`:
 * - UTF-8, lines end with "\n" (also the last), header line `parameter,epoch_ms,value,quality`;
 * - one line per stored point in the run window (which points: canonicalWindow), ordered by parameter id (byte
 *   order) and then by time ascending (equal times of one parameter stored under two sites: in site order);
 * - epoch_ms: the point's time as a base-10 integer of milliseconds;
 * - value: numbers as ECMAScript Number#toString (shortest text that reads back to the same float64),
 *   booleans `true`/`false`, strings always in double quotes with inner quotes doubled (RFC 4180),
 *   and nothing at all when the point has no value (a bad reading);
 * - quality: `good`, `uncertain` or `bad`.
 *
 * A stored report names its format, so verify re-reads it as it was issued. The formats write their lines alike and
 * differ in the points of the run window [from, to] they hold:
 * - `pilothub-run-csv-v1`, reports issued before issue #12: both ends, [from, to];
 * - `pilothub-run-csv-v2`: [from, to), so two runs that touch never both hold the reading at their hand-over.
 */
export const CanonicalFormat = z.enum(['pilothub-run-csv-v1', 'pilothub-run-csv-v2']);
export type CanonicalFormat = z.infer<typeof CanonicalFormat>;
/** The format reports are issued in now. */
export const CANONICAL_FORMAT: CanonicalFormat = 'pilothub-run-csv-v2';

/** The half-open range of points a report in `format` holds for its run window [from, to]. */
export function canonicalWindow(format: CanonicalFormat, run: TimeRange): TimeRange {
  // Readings are stored at whole milliseconds (layout.ts writes precision=ms), so [from, to] is [from, to + 1).
  return format === 'pilothub-run-csv-v1' ? { from: run.from, to: run.to + 1 } : { from: run.from, to: run.to };
}

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
 * to the plain-string definition).
 */
export function canonicalChunk(parameter: string, points: readonly StoredPoint[]): Buffer {
  const head = `${parameter},`;
  const headAscii = isAscii(head);
  const out = new ByteWriter(points.length * (head.length + 40));
  for (const p of points) {
    out.text(head, headAscii).digits(p.t).byte(0x2c);
    if (typeof p.v === 'string') out.utf8(canonicalValue(p.v));
    else out.ascii(canonicalValue(p.v));
    out.ascii(QUALITY_TAIL[p.q]);
  }
  return out.bytes();
}

/**
 * The serialisation as its parts (header, then each parameter's chunk) with their hash: never joined into one
 * buffer unless asked (`csv`), since copying 65 MB (8 h × 50 parameters at 1 Hz) into a fresh allocation cost
 * a report a quarter of a second and more under memory pressure (bench/reports.ts); gzip and sha256 take the parts.
 */
export interface Canonical { parts: readonly Buffer[]; bytes: number; sha256: string; pointCount: number; readonly csv: Buffer }

/** Joins per-parameter chunks (from canonicalChunk) into the serialisation and hashes it. */
export function canonicalJoin(chunks: Map<string, { bytes: Buffer; count: number }>): Canonical {
  const parts: Buffer[] = [Buffer.from(`${CANONICAL_HEADER}\n`)];
  let pointCount = 0;
  for (const parameter of canonicalOrder(chunks.keys())) {
    const chunk = chunks.get(parameter)!;
    parts.push(chunk.bytes);
    pointCount += chunk.count;
  }
  const hash = createHash('sha256');
  let bytes = 0;
  for (const part of parts) {
    hash.update(part);
    bytes += part.length;
  }
  return { parts, bytes, sha256: hash.digest('hex'), pointCount, get csv() { return Buffer.concat(parts, bytes); } };
}

/** The serialisation gzipped at level 1 (fastest; it is stored, not shipped), streamed from its parts. */
export async function gzipParts(parts: readonly Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(parts), createGzip({ level: 1 }), async (compressed: AsyncIterable<Buffer>) => {
    for await (const chunk of compressed) out.push(chunk);
  });
  return Buffer.concat(out);
}

/** A stored gzipped serialisation, unzipped as a stream into its sha256; its text only when `keepText` (to locate a difference). */
export async function gunzipHash(gz: Buffer, keepText: boolean): Promise<{ sha256: string; text: string | null }> {
  const hash = createHash('sha256');
  const kept: Buffer[] = [];
  // 1 MB pieces: with zlib's default 16 kB, the stream's per-piece overhead was three times the unzipping (bench/reports.ts).
  await pipeline(Readable.from([gz]), createGunzip({ chunkSize: 1 << 20 }), async (plain: AsyncIterable<Buffer>) => {
    for await (const chunk of plain) {
      hash.update(chunk);
      if (keepText) kept.push(chunk);
    }
  });
  return { sha256: hash.digest('hex'), text: keepText ? Buffer.concat(kept).toString('utf8') : null };
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
