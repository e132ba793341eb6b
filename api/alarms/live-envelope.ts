import type { Db } from '../db/index.js';
import type { Envelope } from '../envelopes/model.js';
import { builtFromOthers } from '../envelopes/report.js';
import { currentEnvelopeId, getEnvelope } from '../envelopes/store.js';
import type { EquipmentRegistry, LiveValue } from '../live/equipment-registry.js';
import { conditionParameters, evaluateCondition, parseCondition, type Node } from '../sharing/condition.js';
import type { EnvelopeLookup, LiveEnvelope, OpenRunInfo } from './model.js';

/**
 * The stored envelope laid out for live comparison: per parameter the bands of the buckets from the alignment
 * point on, by index (`offsetMs / bucketMs`), so a live offset finds its band without a search. Buckets before the
 * alignment point are left out: before it nothing is compared.
 */
export function toLiveEnvelope(e: Envelope): LiveEnvelope {
  const parameters: LiveEnvelope['parameters'] = {};
  for (const p of e.parameters) {
    const after = p.buckets.filter((b) => b.offsetMs >= 0);
    if (!after.length) continue;
    const length = after[after.length - 1]!.offsetMs / e.bucketMs + 1;
    const band = { low: Array<number | null>(length).fill(null), high: Array<number | null>(length).fill(null) };
    for (const b of after) { band.low[b.offsetMs / e.bucketMs] = b.low; band.high[b.offsetMs / e.bucketMs] = b.high; }
    parameters[p.id] = band;
  }
  return { id: e.id, bucketMs: e.bucketMs, alignment: e.alignment, parameters };
}

/**
 * The envelope live deviation compares an open run with: the current stored version of the run's recipe on its
 * equipment (one made for the equipment wins over one for any equipment, as reports choose), and, like a report,
 * none built from another customer's runs (the alarm's bounds would show their values). No recipe, no envelope.
 */
export function storedEnvelopeLookup(db: Db): EnvelopeLookup {
  // Versions are immutable: each is read and laid out once (its bands are large JSON), the current id is checked.
  const laidOut = new Map<string, { live: LiveEnvelope; referenceRuns: string[] }>();
  return (run) => {
    if (!run.recipe) return null;
    const id = currentEnvelopeId(db, run.recipe, run.equipmentId);
    if (id === null) return null;
    let entry = laidOut.get(id);
    if (!entry) {
      const e = getEnvelope(db, id)!;
      entry = { live: toLiveEnvelope(e), referenceRuns: e.referenceRuns.map((r) => r.id) };
      laidOut.set(id, entry);
    }
    // Asked each time: a reference run's organisation may be corrected.
    return builtFromOthers(db, entry.referenceRuns, run.orgId) ? null : entry.live;
  };
}

const usable = (v: LiveValue | undefined) => (v && v.q !== 'bad' ? v : undefined);

/** The alignment point as the stored readings of the open run so far hold it; null when they do not yet. */
export type StoredAlignment = (run: OpenRunInfo, alignment: LiveEnvelope['alignment']) => Promise<number | null>;

/**
 * Offset 0 of an open run's envelope axis, found from live readings as they arrive: `start` is the run's start;
 * `phase` the time of the first reading during the run whose phase parameter has the phase's value (a numeric
 * enum may match its number); `condition` the time of the newest reading that made the condition hold during the
 * run. Until then there is no offset (null: nothing compared). Kept per equipment for its open run in this process.
 * A process that meets an open run for the first time (the API restarted during it, or another API process) first
 * asks the stored readings (`stored`: the point compare would find over the run so far) and compares nothing until
 * they answer; when they do not hold it yet, the live readings find it.
 */
export class LiveAlignments {
  private readonly points = new Map<string, { runId: string; alignment: string; at: number | null; pending: boolean; condition?: { tree: Node; parameters: string[] } }>();

  constructor(private readonly registry: EquipmentRegistry, private readonly stored?: StoredAlignment) {}

  alignedAt(run: OpenRunInfo, env: LiveEnvelope): number | null {
    const a = env.alignment;
    if (a.align === 'start') return run.startedAt;
    // A new version of the envelope aligned the same way keeps the point found.
    const alignment = JSON.stringify(a);
    let point = this.points.get(run.equipmentId);
    if (!point || point.runId !== run.id || point.alignment !== alignment) {
      const tree = a.align === 'condition' ? parseCondition(a.condition) : undefined;
      point = { runId: run.id, alignment, at: null, pending: this.stored !== undefined, ...(tree ? { condition: { tree, parameters: conditionParameters(tree) } } : {}) };
      this.points.set(run.equipmentId, point);
      if (this.stored) {
        const asked = point;
        // Any failure (InfluxDB away): the live readings find the point instead.
        void this.stored(run, a).catch(() => null).then((at) => {
          if (at !== null && (asked.at === null || at < asked.at)) asked.at = at;
          asked.pending = false;
        });
      }
    }
    if (point.at !== null) return point.at;
    if (point.pending) return null;
    const values = this.registry.get(run.equipmentId)?.values;
    if (!values) return null;
    if (a.align === 'phase') {
      const v = usable(values.get(a.phaseParameter));
      const numeric = Number(a.phase);
      const matches = v !== undefined && (v.v === a.phase || (typeof v.v === 'number' && a.phase.trim() !== '' && v.v === numeric));
      if (matches && v.t >= run.startedAt) point.at = v.t;
      return point.at;
    }
    const { tree, parameters } = point.condition!;
    if (!evaluateCondition(tree, (id) => usable(values.get(id))?.v)) return null;
    const newest = Math.max(...parameters.map((id) => values.get(id)?.t ?? -Infinity));
    if (newest >= run.startedAt) point.at = newest;
    return point.at;
  }
}
