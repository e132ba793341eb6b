import type { ParameterMeta } from '../../common/contracts/index.js';
import type { Db } from '../db/index.js';
import { ApiError, notFound } from '../errors.js';
import type { EquipmentRegistry } from '../live/equipment-registry.js';
import type { AuthUser } from '../sharing/people.js';
import { canSeeOrg, runWindow } from '../sharing/tenancy.js';

/** A run as compared: its half-open data window [from, to) (an open run's reaches now) and its equipment's parameters. */
export interface CompareRun {
  id: string; equipmentId: string; orgId: string | null; startedAt: number; endedAt: number | null;
  from: number; to: number;
  /** When its exact per-minute count and sum were last rebuilt (api/seal); null: not sealed. */
  sealedAt: number | null;
  parameters: Map<string, ParameterMeta>;
}

/**
 * Pairs of parameter ids that name the same quantity on different equipment (`map=pilotTemp:labTemp`). Symmetric:
 * a run whose equipment lacks the requested id reads its partner.
 */
export type ParameterMap = Map<string, string[]>;

export function parameterMap(pairs: [string, string][]): ParameterMap {
  const map: ParameterMap = new Map();
  const add = (a: string, b: string) => map.set(a, [...(map.get(a) ?? []), b]);
  for (const [a, b] of pairs) { add(a, b); add(b, a); }
  return map;
}

/**
 * The runs by id, as the run routes decide who sees them: another organisation's run answers 404 like an unknown
 * one (never 403), so its existence stays hidden. Each run's equipment must have announced its parameters.
 */
export function loadRuns(db: Db, registry: EquipmentRegistry, user: AuthUser, ids: string[], now: number): CompareRun[] {
  const get = db.prepare('SELECT id, equipment_id, org_id, started_at, ended_at, sealed_at FROM runs WHERE id = ?');
  return ids.map((id) => {
    const row = get.get(id) as RunRowForCompare | undefined;
    if (!row || !canSeeOrg(user, row.org_id)) throw notFound({ code: 'run_not_found', vars: { id } });
    return compareRun(registry, row, now);
  });
}

type RunRowForCompare = { id: string; equipment_id: string; org_id: string | null; started_at: number; ended_at: number | null; sealed_at?: number | null };

/** A run row as compared; 409 when its equipment has not announced its parameters. */
export function compareRun(registry: EquipmentRegistry, row: RunRowForCompare, now: number): CompareRun {
  const entry = registry.get(row.equipment_id);
  if (!entry) throw new ApiError(409, { code: 'equipment_not_announced', vars: { id: row.equipment_id } });
  return {
    id: row.id, equipmentId: row.equipment_id, orgId: row.org_id, startedAt: row.started_at, endedAt: row.ended_at, sealedAt: row.sealed_at ?? null,
    ...runWindow(row, now), parameters: new Map(entry.birth.parameters.map((p) => [p.id, p])),
  };
}

/** The id `requested` has on `run`'s equipment: itself, else its mapped partner; 400 naming run and parameter otherwise. */
export function resolveParameter(run: CompareRun, requested: string, map: ParameterMap, field: string): string {
  if (run.parameters.has(requested)) return requested;
  const partner = map.get(requested)?.find((p) => run.parameters.has(p));
  if (partner) return partner;
  throw new ApiError(400, {
    code: 'compare_parameter_unknown',
    vars: { run: run.id, equipment: run.equipmentId, parameter: requested, known: [...run.parameters.keys()].join(', ') },
  }, { field });
}
