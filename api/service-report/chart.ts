import { escapeXml as esc } from '../reports/svg-chart.js';

/**
 * Bar charts as inline SVG for the printed report (the run report's svg-chart draws time series, not bars):
 * self-contained, so the PDF printer fetches nothing.
 */
const fmt = (v: number) => String(Math.round(v * 10) / 10);

/** Hours per period, stacked: internal below, external above. */
export function stackedBars(bars: { label: string; internal: number; external: number }[], o: { title: string; internal: string; external: string }): string {
  const width = 680;
  const height = 220;
  const pad = { left: 48, right: 10, top: 24, bottom: 34 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = Math.max(1, ...bars.map((b) => b.internal + b.external));
  const slot = plotW / Math.max(1, bars.length);
  const y = (v: number) => (v / max) * plotH;
  const rects = bars.map((b, i) => {
    const x = pad.left + i * slot + slot * 0.15;
    const w = slot * 0.7;
    const hi = y(b.internal);
    const he = y(b.external);
    const base = pad.top + plotH;
    return `<rect x="${x.toFixed(1)}" y="${(base - hi).toFixed(1)}" width="${w.toFixed(1)}" height="${hi.toFixed(1)}" fill="#4a78b5"/>`
      + `<rect x="${x.toFixed(1)}" y="${(base - hi - he).toFixed(1)}" width="${w.toFixed(1)}" height="${he.toFixed(1)}" fill="#e08a2c"/>`
      + `<text x="${(x + w / 2).toFixed(1)}" y="${base + 12}" text-anchor="middle">${esc(b.label)}</text>`
      + `<text x="${(x + w / 2).toFixed(1)}" y="${(base - hi - he - 3).toFixed(1)}" text-anchor="middle">${fmt(b.internal + b.external)}</text>`;
  }).join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif" font-size="9" role="img" aria-label="${esc(o.title)}">`,
    `<text x="${pad.left}" y="14" font-size="12" font-weight="bold">${esc(o.title)}</text>`,
    `<rect x="${width - 190}" y="6" width="10" height="10" fill="#4a78b5"/><text x="${width - 176}" y="15">${esc(o.internal)}</text>`,
    `<rect x="${width - 100}" y="6" width="10" height="10" fill="#e08a2c"/><text x="${width - 86}" y="15">${esc(o.external)}</text>`,
    `<line x1="${pad.left}" x2="${pad.left + plotW}" y1="${pad.top + plotH}" y2="${pad.top + plotH}" stroke="#999"/>`,
    `<text x="${pad.left - 4}" y="${pad.top + 8}" text-anchor="end">${fmt(max)} h</text>`,
    rects, '</svg>',
  ].join('');
}

/** A ratio per item (0…1 or null) as horizontal bars with the percentage written beside each. */
export function ratioBars(items: { label: string; value: number | null }[], title: string): string {
  const width = 680;
  const row = 16;
  const left = 180;
  const height = 26 + items.length * row;
  const plotW = width - left - 60;
  const bars = items.map((it, i) => {
    const y = 24 + i * row;
    const w = (it.value ?? 0) * plotW;
    return `<text x="${left - 6}" y="${y + 10}" text-anchor="end">${esc(it.label)}</text>`
      + `<rect x="${left}" y="${y + 2}" width="${w.toFixed(1)}" height="${row - 5}" fill="#e08a2c"/>`
      + `<text x="${(left + w + 4).toFixed(1)}" y="${y + 10}">${it.value === null ? '—' : `${(it.value * 100).toFixed(1)} %`}</text>`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif" font-size="9" role="img" aria-label="${esc(title)}">`
    + `<text x="0" y="14" font-size="12" font-weight="bold">${esc(title)}</text>${bars}</svg>`;
}
