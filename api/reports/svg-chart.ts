import type { StoredPoint } from '../../common/influx/layout.js';
import { usable } from './statistics.js';

export interface ChartOptions {
  title: string;
  unit: string;
  from: number;
  to: number;
  low?: number | null;
  high?: number | null;
  width?: number;
  height?: number;
}

export const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const fmt = (v: number) => (Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(6))));
/** The chart's UTC time label; the report's HTML puts it into the laboratory's zone (render-html.ts). */
export const chartClock = (t: number) => new Date(t).toISOString().slice(0, 19).replace('T', ' ');

/**
 * One parameter over the run as a hand-written SVG line. Points are reduced to one column per pixel,
 * keeping each column's minimum and maximum in their time order, so a single-sample spike stays visible
 * at any run length. Spec limits are drawn as dashed lines.
 */
export function svgChart(points: StoredPoint[], o: ChartOptions): string {
  const width = o.width ?? 680;
  const height = o.height ?? 200;
  const pad = { left: 64, right: 12, top: 22, bottom: 28 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const span = Math.max(1, o.to - o.from);
  const columns = new Map<number, { lo: StoredPoint & { v: number }; hi: StoredPoint & { v: number } }>();
  for (const p of points) {
    if (!usable(p)) continue;
    const col = Math.min(plotW - 1, Math.floor(((p.t - o.from) / span) * plotW));
    const c = columns.get(col);
    if (!c) columns.set(col, { lo: p, hi: p });
    else { if (p.v < c.lo.v) c.lo = p; if (p.v > c.hi.v) c.hi = p; }
  }
  const kept = [...columns.keys()].sort((a, b) => a - b).flatMap((k) => {
    const { lo, hi } = columns.get(k)!;
    return lo === hi ? [lo] : lo.t <= hi.t ? [lo, hi] : [hi, lo];
  });
  const values = [...kept.map((p) => p.v), ...[o.low, o.high].filter((v): v is number => typeof v === 'number')];
  let yMin = values.length ? Math.min(...values) : 0;
  let yMax = values.length ? Math.max(...values) : 1;
  if (yMin === yMax) { yMin -= 1; yMax += 1; }
  const margin = (yMax - yMin) * 0.05;
  yMin -= margin; yMax += margin;
  const x = (t: number) => (pad.left + ((t - o.from) / span) * plotW).toFixed(1);
  const y = (v: number) => (pad.top + (1 - (v - yMin) / (yMax - yMin)) * plotH).toFixed(1);
  const line = kept.map((p) => `${x(p.t)},${y(p.v)}`).join(' ');
  const limit = (v: number | null | undefined, label: string) => (typeof v === 'number'
    ? `<line x1="${pad.left}" x2="${pad.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#c0392b" stroke-dasharray="5 4"/><text x="${pad.left + plotW - 2}" y="${Number(y(v)) - 3}" text-anchor="end" fill="#c0392b">${label} ${escapeXml(fmt(v))}</text>`
    : '');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif" font-size="10" role="img" aria-label="${escapeXml(o.title)}">`,
    `<text x="${pad.left}" y="14" font-size="12" font-weight="bold">${escapeXml(o.title)}${o.unit ? ` (${escapeXml(o.unit)})` : ''}</text>`,
    `<rect x="${pad.left}" y="${pad.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
    `<text x="${pad.left - 4}" y="${pad.top + 8}" text-anchor="end">${escapeXml(fmt(yMax))}</text>`,
    `<text x="${pad.left - 4}" y="${pad.top + plotH}" text-anchor="end">${escapeXml(fmt(yMin))}</text>`,
    `<text x="${pad.left}" y="${height - 8}">${chartClock(o.from)} UTC</text>`,
    `<text x="${pad.left + plotW}" y="${height - 8}" text-anchor="end">${chartClock(o.to)} UTC</text>`,
    limit(o.low, 'low'), limit(o.high, 'high'),
    kept.length ? `<polyline fill="none" stroke="#1f5fa8" stroke-width="1" points="${line}"/>` : `<text x="${pad.left + plotW / 2}" y="${pad.top + plotH / 2}" text-anchor="middle">no numeric data</text>`,
    '</svg>',
  ].join('');
}
