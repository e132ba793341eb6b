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
 * A band built from another customer's runs says how far their values went at each offset (a min/max band of one run
 * is that run): a report, which its customer reads, compares only with bands of its own organisation's or the
 * operator's runs.
 */
export function builtFromOthers(db: Db, runIds: string[], orgId: string | null): boolean {
  if (!runIds.length) return false;
  const orgs = db.prepare(`SELECT DISTINCT r.org_id FROM runs r LEFT JOIN orgs o ON o.id = r.org_id
    WHERE r.id IN (${runIds.map(() => '?').join(',')}) AND o.kind = 'customer'`).pluck().all(...runIds) as string[];
  return orgs.some((o) => o !== orgId);
}

/**
 * How a closed run kept to the current envelope of `recipe` on its equipment, for its report; undefined when the
 * recipe has none. Parameters the run's equipment lacks are left out; a run that never reaches the envelope's
 * alignment point is reported as such rather than refused.
 */
export async function envelopeForReport(db: Db, influx: InfluxV1Client, registry: EquipmentRegistry, row: RunRow, recipe: string | null, now: number): Promise<ReportEnvelope | undefined> {
  if (!recipe) return undefined;
  const envelope = currentEnvelope(db, recipe, row.equipment_id);
  if (!envelope || builtFromOthers(db, envelope.referenceRuns.map((r) => r.id), row.org_id)) return undefined;
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
