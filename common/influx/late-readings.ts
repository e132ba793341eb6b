import { escapeTag } from './layout.js';
import { freshStamp } from './rollups.js';
import { influxString, type InfluxV1Client } from './v1-client.js';

/**
 * Markers of readings that arrived late, so a run's sealed count and sum (api/seal) are known to be stale: ingest
 * writes one point per equipment and minute of a message holding numeric readings older than LATE_READING_AGE_MS
 * by its clock once they are stored, tag `equipment`, field `writtenAt` (ingest's wall time, ms), at a random time
 * inside the late minute (so markers never overwrite each other). Live data is never this old, so markers are rare:
 * store-and-forward replays, redeliveries after an outage (docs/compare.md "Sealed runs").
 */
export const LATE_MEASUREMENT = 'reading_late';
/** Longer than a minute, so a live reading (whose minute started less than a minute ago) is never marked. */
export const LATE_READING_AGE_MS = 120_000;

/** A minute counts as late when it started before `now - LATE_READING_AGE_MS`: every reading older than that is in such a minute. */
export const isLateMinute = (minute: number, now: number) => minute < now - LATE_READING_AGE_MS;

export const lateMarkerLine = (equipment: string, minute: number, writtenAt: number) =>
  `${LATE_MEASUREMENT},equipment=${escapeTag(equipment)} writtenAt=${writtenAt}i ${freshStamp(minute)}`;

export interface LateMarker { equipment: string; t: number; writtenAt: number }

/** Every marker of the given equipment in [from, to), in one query (they are few). */
export async function queryLateMarkers(client: InfluxV1Client, equipment: string[], from: number, to: number): Promise<LateMarker[]> {
  const which = equipment.map((e) => `"equipment" = ${influxString(e)}`).join(' OR ');
  const series = await client.query(`SELECT "writtenAt" FROM "${LATE_MEASUREMENT}" WHERE (${which}) AND time >= ${from}ms AND time < ${to}ms GROUP BY "equipment"`);
  return series.flatMap((s) => s.values.map((row) => ({ equipment: s.tags?.equipment ?? '', t: row[0] as number, writtenAt: row[1] as number })));
}
