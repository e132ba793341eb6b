import { queryLateMarkers } from '../../common/influx/late-readings.js';
import { floorMinute } from '../../common/influx/rollups.js';
import type { InfluxV1Client } from '../../common/influx/v1-client.js';
import type { RunSealer } from './run-sealer.js';

interface SealedRun { id: string; equipmentId: string; from: number; to: number; endedAt: number | null; sealedAt: number | null }

/**
 * The runs whose rollup count and sum may be read (common/influx/rollup-sums.ts): closed, sealed, and without a late
 * marker in their window written after the seal (allowing for the clocks' difference), checked in one query for
 * all of them. The others are read raw, which is exact, only slower, and the closed ones among them are asked to be
 * sealed (again).
 */
export async function runsWithExactSums(influx: InfluxV1Client, sealer: RunSealer, runs: readonly SealedRun[]): Promise<Set<string>> {
  const sealed = runs.filter((r) => r.endedAt !== null && r.sealedAt !== null);
  const exact = new Set(sealed.map((r) => r.id));
  if (sealed.length) {
    const markers = await queryLateMarkers(influx, [...new Set(sealed.map((r) => r.equipmentId))],
      Math.min(...sealed.map((r) => floorMinute(r.from))), Math.max(...sealed.map((r) => r.to)));
    const tolerance = sealer.settings.clockToleranceMs;
    for (const r of sealed) {
      // Markers sit in the late reading's minute: the run's first minute counts whole (at worst one reseal too many).
      if (markers.some((m) => m.equipment === r.equipmentId && m.t >= floorMinute(r.from) && m.t < r.to && m.writtenAt > r.sealedAt! - tolerance)) exact.delete(r.id);
    }
  }
  for (const r of runs) if (r.endedAt !== null && !exact.has(r.id)) sealer.request(r.id);
  return exact;
}
