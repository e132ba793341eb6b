import { z } from 'zod';
import { MEASUREMENT } from '../../common/influx/layout.js';
import { queryRawSeries } from '../../common/influx/history-queries.js';
import { influxString, type InfluxV1Client } from '../../common/influx/v1-client.js';
import { ApiError } from '../errors.js';
import { ConditionError, conditionParameters, evaluateCondition, parseCondition, type Value } from '../sharing/condition.js';
import { resolveParameter, type CompareRun, type ParameterMap } from './runs.js';

/**
 * Where a run's common time axis starts (offset 0): its start, the first time a phase parameter (a string or enum
 * such as the reactor's `batch_state`) takes a value, or the first time a condition in the run-condition language
 * (api/sharing/condition.ts) holds. Pre-alignment data keeps negative offsets.
 */
export const Alignment = z.discriminatedUnion('align', [
  z.object({ align: z.literal('start') }),
  z.object({ align: z.literal('phase'), phase: z.string(), phaseParameter: z.string() }),
  z.object({ align: z.literal('condition'), condition: z.string() }),
]).meta({ id: 'Alignment' });
export type Alignment = z.infer<typeof Alignment>;

/** The most raw points per parameter a condition is evaluated over (8 h at 1 Hz is 28 800). */
const CONDITION_MAX_POINTS = 1_000_000;

/** Parses the condition once per request so a syntax error is a 400 naming the position, before any run is read. */
export function checkAlignment(a: Alignment): void {
  if (a.align !== 'condition') return;
  try { parseCondition(a.condition); } catch (err) {
    if (err instanceof ConditionError) throw new ApiError(400, { code: 'compare_condition_invalid', vars: { reason: err.message } }, { field: 'querystring.condition' });
    throw err;
  }
}

/** The epoch ms of offset 0 on `run`'s axis; 422 naming the run when its phase or condition is never reached. */
export async function alignmentPoint(influx: InfluxV1Client, run: CompareRun, a: Alignment, map: ParameterMap): Promise<number> {
  if (a.align === 'start') return run.from;
  if (a.align === 'phase') {
    const parameter = resolveParameter(run, a.phaseParameter, map, 'querystring.phaseParameter');
    // A string value, or a numeric enum given as its number: the first stored point equal to it, oldest first.
    const numeric = Number(a.phase);
    const match = [`"value_str" = ${influxString(a.phase)}`, ...(a.phase.trim() !== '' && Number.isFinite(numeric) ? [`"value" = ${numeric}`] : [])].join(' OR ');
    const q = `SELECT "quality" FROM "${MEASUREMENT}" WHERE "equipment" = ${influxString(run.equipmentId)} AND "parameter" = ${influxString(parameter)}`
      + ` AND time >= ${run.from}ms AND time < ${run.to}ms AND (${match}) ORDER BY time ASC LIMIT 1`;
    const t = (await influx.query(q))[0]?.values[0]?.[0];
    if (typeof t !== 'number') throw new ApiError(422, { code: 'compare_phase_not_reached', vars: { run: run.id, parameter, phase: a.phase } }, { field: 'querystring.phase' });
    return t;
  }
  const tree = parseCondition(a.condition);
  const wanted = conditionParameters(tree);
  const actual = new Map(wanted.map((p) => [p, resolveParameter(run, p, map, 'querystring.condition')]));
  const series = await queryRawSeries(influx, { equipment: run.equipmentId, parameters: [...new Set(actual.values())], from: run.from, to: run.to }, CONDITION_MAX_POINTS);
  // Every point of the condition's parameters in time order; the condition is evaluated once all points of an instant are in.
  const events = [...series].flatMap(([parameter, points]) => points.map((p) => ({ parameter, t: p.t, v: (p.q === 'bad' ? null : p.v) as Value })))
    .sort((x, y) => x.t - y.t);
  const latest = new Map<string, Value>();
  const values = (id: string) => latest.get(actual.get(id) ?? id);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    latest.set(e.parameter, e.v);
    if (events[i + 1]?.t === e.t) continue;
    if (evaluateCondition(tree, values)) return e.t;
  }
  throw new ApiError(422, { code: 'compare_condition_not_reached', vars: { run: run.id, condition: a.condition } }, { field: 'querystring.condition' });
}
