import { Point } from '@influxdata/influxdb-client';
import type { Quality, Reading, ReadingValue } from '../contracts/readings.js';
import { InfluxV1Client, influxString } from './v1-client.js';

/**
 * The one place that knows how readings are laid out in InfluxDB (README "Data layout"):
 * measurement `reading`, tags `site`, `equipment`, `parameter`; fields `value` (float),
 * `value_bool`, `value_str`, `quality`, `gateway`. The series key leaves the gateway out, so a reading
 * is one point however often and through whichever gateway it is delivered: writes are idempotent.
 */
export const MEASUREMENT = 'reading';

export interface ReadingKey { site: string; equipment: string; gateway: string }

export function readingToLine(key: ReadingKey, r: Reading): string {
  const point = new Point(MEASUREMENT)
    .tag('site', key.site).tag('equipment', key.equipment).tag('parameter', r.p)
    .stringField('quality', r.q ?? 'good').stringField('gateway', key.gateway)
    .timestamp(r.t);
  if (typeof r.v === 'number') point.floatField('value', r.v);
  else if (typeof r.v === 'boolean') point.booleanField('value_bool', r.v);
  else if (typeof r.v === 'string') point.stringField('value_str', r.v);
  return point.toLineProtocol({ convertTime: msTimestamp })!;
}

/** Readings carry epoch ms and we write with precision=ms, so the number goes out as it is. */
const msTimestamp = (t: string | number | Date | undefined) => (t instanceof Date ? String(t.getTime()) : t === undefined ? undefined : String(t));

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
