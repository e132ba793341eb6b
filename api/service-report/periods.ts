import { localInstant, localParts } from '../sharing/local-time.js';
import type { Period } from './model.js';

export const HOUR_MS = 3_600_000;
/** Milliseconds as hours to 4 decimals (0.36 s): every hours figure and provenance total is rounded this one way. */
export const hours = (ms: number) => Math.round((ms / HOUR_MS) * 1e4) / 1e4;

export type GroupBy = 'window' | 'month' | 'quarter' | 'year';
const STEP: Record<Exclude<GroupBy, 'window'>, number> = { month: 1, quarter: 3, year: 12 };

const label = (groupBy: GroupBy, y: number, m: number) =>
  groupBy === 'year' ? String(y) : groupBy === 'quarter' ? `${y}-Q${Math.floor(m / 3) + 1}` : `${y}-${String(m + 1).padStart(2, '0')}`;

/**
 * The calendar periods of the laboratory's zone that overlap [from, to), each clipped to it: a month starts at
 * local midnight on its first day, daylight saving included. Without grouping the window is one period.
 */
export function periodsOf(from: number, to: number, groupBy: GroupBy, timeZone: string): Period[] {
  if (groupBy === 'window') return [{ key: 'window', from, to }];
  const step = STEP[groupBy];
  const first = new Date(localParts(from, timeZone).dayKey);
  let y = first.getUTCFullYear();
  let m = first.getUTCMonth() - (first.getUTCMonth() % step);
  const out: Period[] = [];
  for (let start = localInstant(Date.UTC(y, m, 1), 0, timeZone); start < to;) {
    const key = label(groupBy, y, m);
    m += step;
    if (m >= 12) { y += 1; m -= 12; }
    const end = localInstant(Date.UTC(y, m, 1), 0, timeZone);
    out.push({ key, from: Math.max(start, from), to: Math.min(end, to) });
    start = end;
  }
  return out;
}

/** Overlap in ms of [a, b) with [c, d). */
export const overlap = (a: number, b: number, c: number, d: number) => Math.max(0, Math.min(b, d) - Math.max(a, c));

export interface Span { from: number; to: number }

/** [from, to) spans merged where they overlap or touch, in time order: their lengths sum each instant once. */
export function union(spans: Span[]): Span[] {
  const out: Span[] = [];
  for (const s of spans.filter((x) => x.to > x.from).sort((a, b) => a.from - b.from)) {
    const last = out[out.length - 1];
    if (last && s.from <= last.to) last.to = Math.max(last.to, s.to);
    else out.push({ from: s.from, to: s.to });
  }
  return out;
}

/** The index of the period holding instant t, or -1. Periods are few (at most a few dozen): a scan is enough. */
export function periodIndex(periods: Period[], t: number): number {
  return periods.findIndex((p) => t >= p.from && t < p.to);
}

/** The local calendar year `year` in the laboratory's zone, as a window: an annual report's period. */
export function yearWindow(year: number, timeZone: string): { from: number; to: number } {
  return { from: localInstant(Date.UTC(year, 0, 1), 0, timeZone), to: localInstant(Date.UTC(year + 1, 0, 1), 0, timeZone) };
}

/** The part of the local calendar years [from, to) covers, in years: pro-rates a yearly norm to a period. */
export function yearsCovered(from: number, to: number, timeZone: string): number {
  let years = 0;
  for (let y = new Date(localParts(from, timeZone).dayKey).getUTCFullYear(); ; y++) {
    const w = yearWindow(y, timeZone);
    if (w.from >= to) return years;
    years += overlap(from, to, w.from, w.to) / (w.to - w.from);
  }
}
