import type { InfluxV1Client } from '../../common/influx/v1-client.js';
import { alignmentPoint } from '../compare/align.js';
import { compareRun } from '../compare/runs.js';
import type { Db } from '../db/index.js';
import { ApiError } from '../errors.js';
import type { EquipmentRegistry } from '../live/equipment-registry.js';
import { bucketSamples } from './compute.js';
import { deviationFrom } from './deviation.js';
import type { ReportEnvelope } from './model.js';
import { currentEnvelope } from './store.js';

type RunRow = { id: string; equipment_id: string; org_id: string | null; started_at: number; ended_at: number | null };

/**
 * How a closed run kept to the current envelope of `recipe` on its equipment, for its report; undefined when the
 * recipe has none. Parameters the run's equipment lacks are left out; a run that never reaches the envelope's
 * alignment point is reported as such rather than refused.
 */
export async function envelopeForReport(db: Db, influx: InfluxV1Client, registry: EquipmentRegistry, row: RunRow, recipe: string | null, now: number): Promise<ReportEnvelope | undefined> {
  if (!recipe) return undefined;
  const envelope = currentEnvelope(db, recipe, row.equipment_id);
  if (!envelope) return undefined;
  const run = compareRun(registry, row, now);
  const head = { id: envelope.id, recipe: envelope.recipe, version: envelope.version, method: envelope.method, k: envelope.k, bucketMs: envelope.bucketMs, alignment: envelope.alignment };
  let alignedAt: number;
  try {
    alignedAt = await alignmentPoint(influx, run, envelope.alignment, new Map());
  } catch (err) {
    if (err instanceof ApiError && err.statusCode < 500) return { ...head, alignedAt: null, parameters: [] };
    throw err;
  }
  const params = envelope.parameters.filter((p) => run.parameters.has(p.id));
  if (!params.length) return { ...head, alignedAt, parameters: [] };
  const samples = await bucketSamples(influx, { equipment: run.equipmentId, parameters: params.map((p) => p.id), from: run.from, to: run.to }, alignedAt, envelope.bucketMs,
    envelope.method === 'sigma' ? ['mean'] : ['min', 'max']);
  return {
    ...head, alignedAt,
    parameters: params.map((p) => {
      const d = deviationFrom(envelope, p.id, samples.get(p.id) ?? []);
      return { id: p.id, unit: p.unit, compared: d.compared, outsideMs: d.outsideMs, largest: d.largest };
    }),
  };
}
