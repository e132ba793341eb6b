import type { Db } from '../db/index.js';
import type { Envelope, EnvelopeBucket } from './model.js';

/**
 * The envelope store (migration 100): versions are immutable rows; a new computation is the next version of its
 * recipe on its equipment. This is the module other parts use (reports, live deviation): `currentEnvelope`,
 * `currentEnvelopeId`, `getEnvelope`, `listEnvelopes`, `bucketAt`.
 */
interface EnvelopeRow {
  id: string; recipe: string; equipment_id: string; version: number; method: string; k: number | null; bucket_ms: number;
  align_json: string; reference_runs_json: string; parameters_json: string; note: string; created_at: number; created_by: string;
}

const toEnvelope = (r: EnvelopeRow): Envelope => ({
  id: r.id, recipe: r.recipe, equipmentId: r.equipment_id === '' ? null : r.equipment_id, version: r.version,
  method: r.method as Envelope['method'], k: r.k, bucketMs: r.bucket_ms, alignment: JSON.parse(r.align_json) as Envelope['alignment'],
  referenceRuns: JSON.parse(r.reference_runs_json) as Envelope['referenceRuns'], parameters: JSON.parse(r.parameters_json) as Envelope['parameters'],
  note: r.note, createdAt: r.created_at, createdBy: r.created_by,
});

/**
 * The newest version of `recipe`'s envelope for `equipmentId`: the one made for that equipment, else the one made
 * for the recipe on any equipment; null when there is none. Without `equipmentId`, only the latter.
 */
export function currentEnvelope(db: Db, recipe: string, equipmentId?: string | null): Envelope | null {
  const id = currentEnvelopeId(db, recipe, equipmentId);
  return id === null ? null : getEnvelope(db, id);
}

/** The id of `currentEnvelope`'s answer, without reading its bands: for callers that keep versions they have read. */
export function currentEnvelopeId(db: Db, recipe: string, equipmentId?: string | null): string | null {
  const newest = db.prepare('SELECT id FROM envelopes WHERE recipe = ? AND equipment_id = ? ORDER BY version DESC LIMIT 1').pluck();
  return ((equipmentId ? newest.get(recipe, equipmentId) : undefined) ?? newest.get(recipe, '') ?? null) as string | null;
}

export function getEnvelope(db: Db, id: string): Envelope | null {
  const row = db.prepare('SELECT * FROM envelopes WHERE id = ?').get(id) as EnvelopeRow | undefined;
  return row ? toEnvelope(row) : null;
}

/** Every version, newest first, optionally of one recipe and/or equipment (null: made for any equipment). */
export function listEnvelopes(db: Db, filter: { recipe?: string | undefined; equipmentId?: string | undefined } = {}): Envelope[] {
  const where = ['1 = 1'];
  const params: string[] = [];
  if (filter.recipe !== undefined) { where.push('recipe = ?'); params.push(filter.recipe); }
  if (filter.equipmentId !== undefined) { where.push('equipment_id = ?'); params.push(filter.equipmentId); }
  return (db.prepare(`SELECT * FROM envelopes WHERE ${where.join(' AND ')} ORDER BY created_at DESC, version DESC`).all(...params) as EnvelopeRow[]).map(toEnvelope);
}

/** Stores the next version of the recipe's envelope on its equipment; call inside the write's transaction. */
export function insertEnvelope(db: Db, e: Omit<Envelope, 'version'>): Envelope {
  const version = 1 + (db.prepare('SELECT COALESCE(MAX(version), 0) FROM envelopes WHERE recipe = ? AND equipment_id = ?').pluck().get(e.recipe, e.equipmentId ?? '') as number);
  db.prepare(`INSERT INTO envelopes (id, recipe, equipment_id, version, method, k, bucket_ms, align_json, reference_runs_json, parameters_json, note, created_at, created_by)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(e.id, e.recipe, e.equipmentId ?? '', version, e.method, e.k, e.bucketMs,
    JSON.stringify(e.alignment), JSON.stringify(e.referenceRuns), JSON.stringify(e.parameters), e.note, e.createdAt, e.createdBy);
  return { ...e, version };
}

/** The band at `offsetMs` from the alignment point for one parameter, or undefined outside the envelope's buckets. */
export function bucketAt(envelope: Envelope, parameterId: string, offsetMs: number): EnvelopeBucket | undefined {
  const buckets = envelope.parameters.find((p) => p.id === parameterId)?.buckets;
  if (!buckets?.length) return undefined;
  const start = Math.floor(offsetMs / envelope.bucketMs) * envelope.bucketMs;
  // Buckets are sorted by offset: binary search.
  let lo = 0;
  let hi = buckets.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const b = buckets[mid]!;
    if (b.offsetMs === start) return b;
    if (b.offsetMs < start) lo = mid + 1; else hi = mid - 1;
  }
  return undefined;
}
