import type { StoredPoint } from '../../common/influx/layout.js';
import { stepDecimals, timeTicks, valueTicks } from './chart-ticks.js';
import { usable } from './statistics.js';

export interface ChartOptions {
  title: string;
  unit: string;
  from: number;
  to: number;
  low?: number | null;
  high?: number | null;
  /** The laboratory's zone: time ticks fall on its round hours and minutes and are labelled in it (default UTC). */
  timeZone?: string;
  width?: number;
  height?: number;
}

export const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const fmt = (v: number) => (Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(6))));
/** A tick value with as many decimals as its step needs, so 0.1 steps read 0.1, 0.2, 0.3 and 5 steps read 5, 10. */
const fmtTick = (v: number, step: number) => (Math.abs(v) >= 1e5 || (Math.abs(step) < 1e-3 && step !== 0) ? fmt(v) : v.toFixed(stepDecimals(step)));

/**
 * One parameter over the run as a hand-written SVG line. Points are reduced to one column per pixel,
 * keeping each column's minimum and maximum in their time order, so a single-sample spike stays visible
 * at any run length. Spec limits are drawn as dashed lines. Both axes carry several round ticks with light grid
 * lines: values of 1, 2 or 5 times a power of ten, times on round wall-clock times of the lab's zone.
 */
export function svgChart(points: StoredPoint[], o: ChartOptions): string {
  const width = o.width ?? 680;
  const height = o.height ?? 200;
  const pad = { left: 64, right: 12, top: 22, bottom: 28 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const span = Math.max(1, o.to - o.from);
  // Per pixel column the index of its lowest and highest usable point (typed arrays: a Map of objects here was a
  // tenth of a report's worker CPU over 1.44 M points).
  const lowest = new Int32Array(plotW).fill(-1);
  const highest = new Int32Array(plotW).fill(-1);
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (!usable(p)) continue;
    const col = Math.max(0, Math.min(plotW - 1, Math.floor(((p.t - o.from) / span) * plotW)));
    const lo = lowest[col]!;
    if (lo < 0) { lowest[col] = i; highest[col] = i; continue; }
    if (p.v < (points[lo]!.v as number)) lowest[col] = i;
    if (p.v > (points[highest[col]!]!.v as number)) highest[col] = i;
  }
  const kept: (StoredPoint & { v: number })[] = [];
  for (let col = 0; col < plotW; col++) {
    const lo = lowest[col]!;
    if (lo < 0) continue;
    const hi = highest[col]!;
    const [first, second] = lo <= hi ? [lo, hi] : [hi, lo];
    kept.push(points[first] as StoredPoint & { v: number });
    if (second !== first) kept.push(points[second] as StoredPoint & { v: number });
  }
  const values = [...kept.map((p) => p.v), ...[o.low, o.high].filter((v): v is number => typeof v === 'number')];
  let yMin = values.length ? Math.min(...values) : 0;
  let yMax = values.length ? Math.max(...values) : 1;
  if (yMin === yMax) { yMin -= 1; yMax += 1; }
  const margin = (yMax - yMin) * 0.05;
  yMin -= margin; yMax += margin;
  const x = (t: number) => (pad.left + ((t - o.from) / span) * plotW).toFixed(1);
  const y = (v: number) => (pad.top + (1 - (v - yMin) / (yMax - yMin)) * plotH).toFixed(1);
  const line = kept.map((p) => `${x(p.t)},${y(p.v)}`).join(' ');
  const yTicks = valueTicks(yMin, yMax, 6);
  const yAxis = yTicks.ticks.map((v) => `<line x1="${pad.left - 3}" x2="${pad.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#e3e3e3"/><text x="${pad.left - 5}" y="${Number(y(v)) + 3}" text-anchor="end">${escapeXml(fmtTick(v, yTicks.step))}</text>`).join('');
  const xAxis = timeTicks(o.from, o.to, o.timeZone ?? 'UTC', 8).map((tick) => `<line x1="${x(tick.t)}" x2="${x(tick.t)}" y1="${pad.top}" y2="${pad.top + plotH + 3}" stroke="#e3e3e3"/><text x="${x(tick.t)}" y="${pad.top + plotH + 14}" text-anchor="middle">${escapeXml(tick.label)}</text>`).join('');
  const limit = (v: number | null | undefined, label: string) => (typeof v === 'number'
    ? `<line x1="${pad.left}" x2="${pad.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#c0392b" stroke-dasharray="5 4"/><text x="${pad.left + plotW - 2}" y="${Number(y(v)) - 3}" text-anchor="end" fill="#c0392b">${label} ${escapeXml(fmt(v))}</text>`
    : '');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif" font-size="10" role="img" aria-label="${escapeXml(o.title)}">`,
    `<text x="${pad.left}" y="14" font-size="12" font-weight="bold">${escapeXml(o.title)}${o.unit ? ` (${escapeXml(o.unit)})` : ''}</text>`,
    yAxis, xAxis,
    `<rect x="${pad.left}" y="${pad.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
    limit(o.low, 'low'), limit(o.high, 'high'),
    kept.length ? `<polyline fill="none" stroke="#1f5fa8" stroke-width="1" points="${line}"/>` : `<text x="${pad.left + plotW / 2}" y="${pad.top + plotH / 2}" text-anchor="middle">no numeric data</text>`,
    '</svg>',
  ].join('');
}
