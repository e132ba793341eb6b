import type { Quality, Reading, ReadingValue } from '../contracts/readings.js';
import { ByteWriter } from '../encoding/byte-writer.js';
import { InfluxV1Client, influxString } from './v1-client.js';

/**
 * The one place that knows how readings are laid out in InfluxDB (README "Data layout"):
 * measurement `reading`, tags `site`, `equipment`, `parameter`; fields `value` (float),
 * `value_bool`, `value_str`, `quality`, `gateway`, and `repeat` (true only on a reading that repeats an unchanged value). The series key leaves the gateway out, so a reading
 * is one point however often and through whichever gateway it is delivered: writes are idempotent.
 */
export const MEASUREMENT = 'reading';

export interface ReadingKey { site: string; equipment: string; gateway: string }

/**
 * One reading as a line of InfluxDB line protocol, byte for byte what @influxdata/influxdb-client's
 * `Point.toLineProtocol()` writes (tags and fields sorted by key, the same escaping; test/ingest-line-protocol.test.ts
 * compares both on tricky strings). Hand-written because the profile of `npm run bench -- ingest` showed
 * Point (an object, two key sorts and a character loop per reading) as the largest cost of the ingest hot path.
 */
export function readingToLine(key: ReadingKey, r: Reading): string {
  return readingsToLines(key, [r]).toString('utf8');
}

/**
 * The lines of one message's readings as UTF-8, separated by \n: the parts common to the message, and to each
 * parameter, are escaped once, and everything is written straight into one buffer.
 */
export function readingsToLines(key: ReadingKey, readings: readonly Reading[]): Buffer {
  const head = `${MEASUREMENT},equipment=${escapeTag(key.equipment)},parameter=`;
  const middle = `,site=${escapeTag(key.site)} gateway=${quoted(key.gateway)},quality=`;
  // Per parameter its line's start as UTF-8 bytes, also with the common quality: one copy per reading, not a
  // character loop over ~90 characters (that loop was a fifth of ingest's CPU in `npm run bench -- ingest`).
  const prefixes = new Map<string, { bare: Buffer; good: Buffer }>();
  const out = new ByteWriter(readings.length * 120);
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i]!;
    let prefix = prefixes.get(r.p);
    if (!prefix) {
      const bare = `${head}${escapeTag(r.p)}${middle}`;
      prefixes.set(r.p, (prefix = { bare: Buffer.from(bare), good: Buffer.from(`${bare}"good"`) }));
    }
    if (i) out.byte(0x0a);
    if (r.q === undefined || r.q === 'good') out.raw(prefix.good);
    else out.raw(prefix.bare).ascii(`"${r.q}"`);
    // Fields sorted by key as Point writes them: repeat sits between quality and value. Absent for new samples,
    // so readings without the marker keep their bytes (and old points stay identical when written again).
    if (r.r) out.ascii(',repeat=T');
    if (typeof r.v === 'number') {
      if (!Number.isFinite(r.v)) throw new Error(`invalid float value for field 'value': ${r.v}`);
      out.ascii(',value=').ascii(String(r.v));
    } else if (typeof r.v === 'boolean') out.ascii(r.v ? ',value_bool=T' : ',value_bool=F');
    else if (typeof r.v === 'string') out.ascii(',value_str=').utf8(quoted(r.v));
    out.byte(0x20);
    if (Number.isSafeInteger(r.t) && r.t >= 0) out.digits(r.t);
    else out.ascii(String(r.t));
  }
  return out.bytes();
}

// Line protocol escaping as InfluxDB documents it: tag keys/values escape comma, space and equals sign
// (and, like the client library, \n \r \t); string field values escape double quote and backslash.
const TAG_SPECIAL = /[, =\n\r\t]/g;
const TAG_ESCAPES: Record<string, string> = { ',': '\\,', ' ': '\\ ', '=': '\\=', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const HAS_TAG_SPECIAL = /[, =\n\r\t]/;
/** A tag key or value escaped for line protocol. */
export const escapeTag = (value: string) => (HAS_TAG_SPECIAL.test(value) ? value.replace(TAG_SPECIAL, (c) => TAG_ESCAPES[c]!) : value);
const quoted = (value: string) => `"${/["\\]/.test(value) ? value.replace(/["\\]/g, '\\$&') : value}"`;

export interface StoredPoint { t: number; v: ReadingValue | null; q: Quality }

/** Reads the stored points of one parameter in [from, to], oldest first. */
export async function queryPoints(
  client: InfluxV1Client, where: { equipment: string; parameter: string; from: number; to: number }, limit = 100_000,
): Promise<StoredPoint[]> {
  const q = `SELECT "value","value_bool","value_str","quality" FROM "${MEASUREMENT}" WHERE "equipment" = ${influxString(where.equipment)} AND "parameter" = ${influxString(where.parameter)} AND time >= ${where.from}ms AND time <= ${where.to}ms ORDER BY time ASC LIMIT ${limit}`;
  const [series] = await client.query(q);
  if (!series) return [];
  const col = (name: string) => series.columns.indexOf(name);
  const [it, iv, ib, is, iq] = ['time', 'value', 'value_bool', 'value_str', 'quality'].map(col) as [number, number, number, number, number];
  return series.values.map((row) => ({
    t: row[it] as number,
    v: (row[iv] ?? row[ib] ?? row[is] ?? null) as ReadingValue | null,
    q: (row[iq] ?? 'good') as Quality,
  }));
}
