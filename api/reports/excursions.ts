import type { StoredPoint } from '../../common/influx/layout.js';
import { usable } from './statistics.js';

export interface Limits { low: number | null; high: number | null }

export interface Excursion {
  side: 'high' | 'low';
  start: number;
  /** Time of the first sample back inside the limits (or past the other one), or the window end. */
  end: number;
  durationMs: number;
  /** The value furthest outside the limit. */
  peak: number;
  peakAt: number;
  /** Still outside at the window end. */
  open: boolean;
}

const sideOf = (v: number, l: Limits): Excursion['side'] | null =>
  l.high !== null && v > l.high ? 'high' : l.low !== null && v < l.low ? 'low' : null;

/**
 * Intervals where the parameter was outside [low, high] (limits inclusive). An excursion starts at the first
 * sample outside and ends at the first later sample that is not outside on the same side; bad-quality
 * points neither start nor end one, since they carry no value.
 */
export function detectExcursions(points: StoredPoint[], limits: Limits, windowEnd: number): Excursion[] {
  const out: Excursion[] = [];
  let current = null as Omit<Excursion, 'end' | 'durationMs' | 'open'> | null;
  for (const p of points) {
    if (!usable(p)) continue;
    const side = sideOf(p.v, limits);
    if (current && side !== current.side) {
      out.push({ ...current, end: p.t, durationMs: p.t - current.start, open: false });
      current = null;
    }
    if (!side) continue;
    if (!current) current = { side, start: p.t, peak: p.v, peakAt: p.t };
    else if (side === 'high' ? p.v > current.peak : p.v < current.peak) current = { ...current, peak: p.v, peakAt: p.t };
  }
  if (current) {
    const end = Math.max(windowEnd, current.start);
    out.push({ ...current, end, durationMs: end - current.start, open: true });
  }
  return out;
}
