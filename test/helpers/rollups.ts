import { MEASUREMENT } from '../../common/influx/layout.js';
import { ROLLUP_MEASUREMENT } from '../../common/influx/rollups.js';
import { influxString, type InfluxV1Client } from '../../common/influx/v1-client.js';

export interface RollupMismatch { parameter: string; minute: number; raw: [number, number] | null; rollup: [number, number] | null }

/**
 * The minutes of `equipment` in [from, to) whose rollup extremes differ from the raw readings' min and max,
 * computed by InfluxDB from `reading` itself: empty when the rollups are exactly what plot mode needs.
 */
export async function rollupMismatches(client: InfluxV1Client, equipment: string, from: number, to: number): Promise<RollupMismatch[]> {
  const where = `"equipment" = ${influxString(equipment)} AND time >= ${from}ms AND time < ${to}ms GROUP BY time(1m), "parameter" fill(none)`;
  const [raw, rollup] = await Promise.all([
    client.query(`SELECT min("value"), max("value") FROM "${MEASUREMENT}" WHERE ${where}`),
    client.query(`SELECT min("min"), max("max") FROM "${ROLLUP_MEASUREMENT}" WHERE ${where}`),
  ]);
  const byKey = (series: typeof raw) => new Map(series.flatMap((s) => s.values.map((row) => [`${s.tags?.parameter} ${row[0]}`, [row[1], row[2]] as [number, number]])));
  const [a, b] = [byKey(raw), byKey(rollup)];
  return [...new Set([...a.keys(), ...b.keys()])].flatMap((key) => {
    const [parameter = '', minute = ''] = key.split(' ');
    const [x, y] = [a.get(key) ?? null, b.get(key) ?? null];
    return x?.[0] === y?.[0] && x?.[1] === y?.[1] ? [] : [{ parameter, minute: Number(minute), raw: x, rollup: y }];
  });
}
