import type { ReportContent } from './model.js';
import { escapeXml as esc } from './svg-chart.js';

const time = (t: number | null) => (t === null ? '—' : `${new Date(t).toISOString().replace('T', ' ').replace('Z', '')} UTC`);
const date = (t: number | null) => (t === null ? 'not recorded' : new Date(t).toISOString().slice(0, 10));
const num = (v: number | null) => (v === null ? '—' : Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(7))));
const text = (s: string) => (s ? esc(s) : '<span class="none">not recorded</span>');
const duration = (ms: number) => (ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`);

const rows = (pairs: [string, string][]) => pairs.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('');

const STYLE = `body{font-family:sans-serif;font-size:11px;color:#111;margin:24px}h1{font-size:18px;margin:0 0 4px}h2{font-size:13px;margin:18px 0 6px;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;margin-bottom:6px}th,td{border:1px solid #bbb;padding:3px 5px;text-align:left;vertical-align:top}
table.kv th{width:28%;background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}.none{color:#888}.met{color:#1e7b34}.notmet{color:#b3261e;font-weight:bold}
.chart{page-break-inside:avoid;margin:6px 0}.statement{border:1px solid #333;padding:8px;margin-top:14px}.hash{font-family:monospace;word-break:break-all}`;

/** The issued report as one self-contained HTML page (inline CSS and SVG): the PDF is printed from it. */
export function renderHtml(c: ReportContent, charts: Map<string, string>): string {
  const e = c.equipment;
  const statsRows = c.parameters.map((p) => {
    const s = p.stats;
    return `<tr><td>${esc(p.name)}<br><span class="none">${esc(p.id)}</span></td><td>${esc(p.unit)}</td><td>${time(s.start)}</td><td>${time(s.end)}</td>
<td class="n">${s.count}</td><td class="n">${num(s.min)}</td><td class="n">${num(s.max)}</td><td class="n">${num(s.mean)}</td><td class="n">${num(s.stdDev)}</td>
<td class="n">${num(s.timeWeightedMean)}</td><td class="n">${s.goodPercent === null ? '—' : s.goodPercent.toFixed(2)}</td></tr>`;
  }).join('');
  const specRows = c.parameters.filter((p) => p.spec).map((p) => `<tr><td>${esc(p.name)}</td><td class="n">${num(p.spec!.low)}</td><td class="n">${num(p.spec!.high)}</td>
<td class="n">${num(p.spec!.target)}</td><td>${esc(p.spec!.recipe ?? 'all recipes')}</td><td class="${p.verdict === 'met' ? 'met' : 'notmet'}">${esc(p.verdict)}</td><td class="n">${p.excursions.length}</td></tr>`).join('');
  const excursionRows = c.parameters.flatMap((p) => p.excursions.map((x) => `<tr><td>${esc(p.name)}</td><td>${x.side}</td><td>${time(x.start)}</td>
<td>${time(x.end)}${x.open ? ' (still outside at run end)' : ''}</td><td class="n">${duration(x.durationMs)}</td><td class="n">${num(x.peak)} ${esc(p.unit)}</td><td>${time(x.peakAt)}</td></tr>`)).join('');
  const acquisitionRows = c.acquisition.parameters.map((a) => `<tr><td>${esc(a.parameter)}</td><td>${a.configured ? esc(a.configured.mode) : '—'}</td>
<td class="n">${a.configured ? `${a.configured.intervalMs} ms` : '—'}</td><td>${a.configured?.deadband ? `${a.configured.deadband.value}${a.configured.deadband.type === 'percent' ? ' %' : ' (absolute)'}` : 'none'}</td>
<td class="n">${a.medianIntervalMs === null ? '—' : `${a.medianIntervalMs} ms`}</td></tr>`).join('');
  const gapRows = (c.dataGaps ?? []).map((g) => `<tr><td>${time(g.from)}</td><td>${time(g.to)}</td><td class="n">${duration(g.to - g.from)}</td><td>${esc(g.reason)}</td></tr>`).join('');
  const gaps = c.dataGaps === undefined ? ''
    : `<h2>Data gaps</h2>\n${gapRows ? `<table><tr><th>From</th><th>To</th><th>Duration</th><th>Reason</th></tr>${gapRows}</table><p class="none">The device did not answer in these intervals; statistics cover the stored points only.</p>` : '<p>None: the device answered throughout the run window.</p>'}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(c.title)}</title><style>${STYLE}</style></head><body>
<h1>${esc(c.title)}</h1>
<table class="kv">${rows([
    ['Report id', esc(c.id)], ['Version', `${c.version}${c.previousId ? ` — amends ${esc(c.previousId)}: ${esc(c.amendmentReason ?? '')}` : ''}`],
    ['Issued', time(c.issuedAt)], ['Authorised by', `${esc(c.authorisedBy.name)} (${esc(c.authorisedBy.email)}, ${esc(c.authorisedBy.role)})`],
    ['Laboratory', `${text(c.platform.name)}, ${text(c.platform.location)}`], ['Customer', c.customer ? esc(c.customer.name) : '<span class="none">none (internal run)</span>'],
  ])}</table>
<h2>Item tested: equipment and run</h2>
<table class="kv">${rows([
    ['Equipment', `${esc(e.name)} (${esc(e.id)}), ${text(e.kind)}`], ['Location', text(e.location)], ['Manufacturer / model', `${text(e.manufacturer)} / ${text(e.model)}`],
    ['Serial number', text(e.serialNumber)], ['Firmware', text(e.firmware)],
    ['Calibration', `${date(e.calibrationDate)}, due ${date(e.calibrationDue)}${e.calibrationCertificate ? `, certificate ${esc(e.calibrationCertificate)}` : ''}`],
    ['Run', `${esc(c.run.id)}${c.run.bookingId ? ` (booking ${esc(c.run.bookingId)})` : ''}`], ['Run window', `${time(c.run.from)} to ${time(c.run.to)} (end excluded)`],
    ['Method / recipe', `${text(c.method)}${c.recipe ? ` (limits for recipe ${esc(c.recipe)})` : ''}`],
  ])}</table>
<h2>Acquisition</h2>
<table class="kv">${rows([['Source', esc(c.acquisition.source)], ['Note', esc(c.acquisition.note)]])}</table>
<table><tr><th>Parameter</th><th>Acquisition</th><th>Configured interval</th><th>Deadband</th><th>Median sample spacing</th></tr>${acquisitionRows}</table>
${gaps}
<h2>Statistics</h2>
<table><tr><th>Parameter</th><th>Unit</th><th>First sample</th><th>Last sample</th><th>Count</th><th>Min</th><th>Max</th><th>Mean</th><th>Std dev</th><th>Time-weighted mean</th><th>% good</th></tr>${statsRows}</table>
<p class="none">Min, max, mean, standard deviation (n−1) and time-weighted mean (each value held until the next sample) use values of good or uncertain quality; count and % good cover every stored point.</p>
<h2>Specifications</h2>
${specRows ? `<table><tr><th>Parameter</th><th>Low</th><th>High</th><th>Target</th><th>Applies to</th><th>Result</th><th>Excursions</th></tr>${specRows}</table>` : '<p>No specification limits were set for this equipment.</p>'}
<h2>Excursions</h2>
${excursionRows ? `<table><tr><th>Parameter</th><th>Side</th><th>Start</th><th>End</th><th>Duration</th><th>Peak</th><th>Peak at</th></tr>${excursionRows}</table>` : '<p>No excursions outside the specification limits.</p>'}
<h2>Charts</h2>
${[...charts.values()].map((svg) => `<div class="chart">${svg}</div>`).join('')}
<h2>Data integrity</h2>
<p>${c.integrity.pointCount} stored points, serialised as ${esc(c.integrity.format)} (the run-data CSV shipped with this report), SHA-256:</p>
<p class="hash">${esc(c.integrity.sha256)}</p>
<p class="statement">${esc(c.statement)}</p>
</body></html>`;
}
