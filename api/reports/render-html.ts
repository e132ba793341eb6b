import { t as translate, type Language } from '../../common/i18n/index.js';
import { utcOffset, wallClock } from '../../common/i18n/format.js';
import { envelopeSection } from '../envelopes/render.js';
import type { ReportContent } from './model.js';
import { escapeXml as esc } from './svg-chart.js';

const pad = (n: number) => String(n).padStart(2, '0');
/** The report's words and times: its language's catalog (`pdf.*`), times in the laboratory's zone. */
export function reportFormat(language: Language, timeZone: string) {
  const t = (key: string, vars?: Record<string, string | number>) => translate(language, `pdf.${key}`, vars);
  const wall = (ms: number) => { const w = wallClock(ms, timeZone); return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`; };
  return {
    language, timeZone, t,
    /** Seconds included: statistics name sample times. The zone is printed once, at the top. */
    time: (ms: number | null) => (ms === null ? '—' : `${wall(ms)}:${pad(new Date(ms).getUTCSeconds())}`),
    clock: wall,
    date: (ms: number | null) => (ms === null ? t('notRecorded') : wall(ms).slice(0, 10)),
  };
}
type Format = ReturnType<typeof reportFormat>;

const num = (v: number | null) => (v === null ? '—' : Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(7))));
const rows = (pairs: [string, string][]) => pairs.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('');

// Noto CJK first for Chinese text (fonts-noto-cjk); Chromium falls back per glyph, so Latin stays in the sans face.
const STYLE = `body{font-family:sans-serif,"Noto Sans CJK SC","Noto Serif CJK SC";font-size:11px;color:#111;margin:24px}h1{font-size:18px;margin:0 0 4px}h2{font-size:13px;margin:18px 0 6px;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;margin-bottom:6px}th,td{border:1px solid #bbb;padding:3px 5px;text-align:left;vertical-align:top}
table.kv th{width:28%;background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}.none{color:#888}.met{color:#1e7b34}.notmet{color:#b3261e;font-weight:bold}
.chart{page-break-inside:avoid;margin:6px 0}tr{break-inside:avoid;page-break-inside:avoid}thead{display:table-header-group}.statement{border:1px solid #333;padding:8px;margin-top:14px}.hash{font-family:monospace;word-break:break-all}`;

/**
 * Chart SVGs are drawn beside the data (in the report's worker threads), their time ticks already in the lab's zone
 * (svg-chart.ts); their limit words are put into the report's language here, so the data pipeline needs no language.
 */
function localiseChart(svg: string, f: Format): string {
  return svg.replace(/(fill="#c0392b">)low /g, `$1${esc(f.t('chartLow'))} `).replace(/(fill="#c0392b">)high /g, `$1${esc(f.t('chartHigh'))} `).replace('>no numeric data<', `>${esc(f.t('chartNoData'))}<`);
}

/** The issued report as one self-contained HTML page (inline CSS and SVG), in its language: the PDF is printed from it. */
export function renderHtml(c: ReportContent, charts: Map<string, string>, f: Format = reportFormat('en', 'UTC')): string {
  const { t, time, date } = f;
  const text = (s: string) => (s ? esc(s) : `<span class="none">${esc(t('notRecorded'))}</span>`);
  const duration = (ms: number) => (ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`);
  const verdict = (v: string) => esc(translate(f.language, `verdict.${v.replace(' ', '_')}`));
  const e = c.equipment;
  const statsRows = c.parameters.map((p) => {
    const s = p.stats;
    return `<tr><td>${esc(p.name)}<br><span class="none">${esc(p.id)}</span></td><td>${esc(p.unit)}</td><td>${time(s.start)}</td><td>${time(s.end)}</td>
<td class="n">${s.count}</td><td class="n">${num(s.min)}</td><td class="n">${num(s.max)}</td><td class="n">${num(s.mean)}</td><td class="n">${num(s.stdDev)}</td>
<td class="n">${num(s.timeWeightedMean)}</td><td class="n">${s.goodPercent === null ? '—' : s.goodPercent.toFixed(2)}</td></tr>`;
  }).join('');
  const specRows = c.parameters.filter((p) => p.spec).map((p) => `<tr><td>${esc(p.name)}</td><td class="n">${num(p.spec!.low)}</td><td class="n">${num(p.spec!.high)}</td>
<td class="n">${num(p.spec!.target)}</td><td>${esc(p.spec!.recipe ?? t('allRecipes'))}</td><td class="${p.verdict === 'met' ? 'met' : 'notmet'}">${verdict(p.verdict)}</td><td class="n">${p.excursions.length}</td></tr>`).join('');
  const excursionRows = c.parameters.flatMap((p) => p.excursions.map((x) => `<tr><td>${esc(p.name)}</td><td>${esc(translate(f.language, `side.${x.side}`))}</td><td>${time(x.start)}</td>
<td>${time(x.end)}${x.open ? esc(t('stillOutside')) : ''}</td><td class="n">${duration(x.durationMs)}</td><td class="n">${num(x.peak)} ${esc(p.unit)}</td><td>${time(x.peakAt)}</td></tr>`)).join('');
  const acquisitionRows = c.acquisition.parameters.map((a) => `<tr><td>${esc(a.parameter)}</td><td>${a.configured ? esc(t(`mode.${a.configured.mode}`)) : '—'}</td>
<td class="n">${a.configured ? `${a.configured.intervalMs} ms` : '—'}</td><td>${a.configured?.deadband ? `${a.configured.deadband.value}${a.configured.deadband.type === 'percent' ? ' %' : esc(t('absolute'))}` : esc(t('none'))}</td>
<td class="n">${a.medianIntervalMs === null ? '—' : `${a.medianIntervalMs} ms`}</td></tr>`).join('');
  const gapRows = (c.dataGaps ?? []).map((g) => `<tr><td>${time(g.from)}</td><td>${time(g.to)}</td><td class="n">${duration(g.to - g.from)}</td><td>${esc(g.reason)}</td></tr>`).join('');
  const th = (...keys: string[]) => `<tr>${keys.map((k) => `<th>${esc(t(k))}</th>`).join('')}</tr>`;
  const gaps = c.dataGaps === undefined ? ''
    : `<h2>${esc(t('dataGaps'))}</h2>\n${gapRows ? `<table>${th('from', 'to', 'duration', 'reason')}${gapRows}</table><p class="none">${esc(t('gapsNote'))}</p>` : `<p>${esc(t('noGaps'))}</p>`}`;
  return `<!doctype html><html lang="${f.language}"><head><meta charset="utf-8"><title>${esc(c.title)}</title><style>${STYLE}</style></head><body>
<h1>${esc(c.title)}</h1>
<p class="none">${esc(t('timesIn', { zone: f.timeZone, offset: utcOffset(f.timeZone, c.run.from) }))}</p>
<table class="kv">${rows([
    [t('reportId'), esc(c.id)], [t('version'), `${c.version}${c.previousId ? ` — ${esc(t('amends', { id: c.previousId, reason: c.amendmentReason ?? '' }))}` : ''}`],
    [t('issued'), time(c.issuedAt)], [t('authorisedBy'), `${esc(c.authorisedBy.name)} (${esc(c.authorisedBy.email)}, ${esc(translate(f.language, `role.${c.authorisedBy.role}`))})`],
    [t('laboratory'), `${text(c.platform.name)}, ${text(c.platform.location)}`], [t('customer'), c.customer ? esc(c.customer.name) : `<span class="none">${esc(t('noCustomer'))}</span>`],
  ])}</table>
<h2>${esc(t('itemTested'))}</h2>
<table class="kv">${rows([
    [t('equipment'), `${esc(e.name)} (${esc(e.id)}), ${text(e.kind)}`], [t('location'), text(e.location)], [t('manufacturerModel'), `${text(e.manufacturer)} / ${text(e.model)}`],
    [t('serialNumber'), text(e.serialNumber)], [t('firmware'), text(e.firmware)],
    [t('calibration'), `${esc(t('calibrationLine', { date: date(e.calibrationDate), due: date(e.calibrationDue) }))}${e.calibrationCertificate ? esc(t('certificate', { id: e.calibrationCertificate })) : ''}`],
    [t('run'), `${esc(c.run.id)}${c.run.bookingId ? esc(t('booking', { id: c.run.bookingId })) : ''}`], [t('runWindow'), esc(t('runWindowLine', { from: time(c.run.from), to: time(c.run.to) }))],
    [t('method'), `${text(c.method)}${c.recipe ? esc(t('recipeLimits', { recipe: c.recipe })) : ''}`],
  ])}</table>
<h2>${esc(t('acquisition'))}</h2>
<table class="kv">${rows([[t('source'), esc(c.acquisition.source)], [t('note'), esc(c.acquisition.note)]])}</table>
<table>${th('parameter', 'acquisitionMode', 'configuredInterval', 'deadband', 'medianSpacing')}${acquisitionRows}</table>
${gaps}
<h2>${esc(t('statistics'))}</h2>
<table>${th('parameter', 'unit', 'firstSample', 'lastSample', 'count', 'min', 'max', 'mean', 'stdDev', 'timeWeightedMean', 'goodPercent')}${statsRows}</table>
<p class="none">${esc(t('statisticsNote'))}</p>
<h2>${esc(t('specifications'))}</h2>
${specRows ? `<table>${th('parameter', 'low', 'high', 'target', 'appliesTo', 'result', 'excursionCount')}${specRows}</table>` : `<p>${esc(t('noSpecs'))}</p>`}
<h2>${esc(t('excursions'))}</h2>
${excursionRows ? `<table>${th('parameter', 'side', 'start', 'end', 'duration', 'peak', 'peakAt')}${excursionRows}</table>` : `<p>${esc(t('noExcursions'))}</p>`}
${c.envelope ? envelopeSection(c.envelope, f) : ''}
<h2>${esc(t('charts'))}</h2>
${[...charts.values()].map((svg) => `<div class="chart">${localiseChart(svg, f)}</div>`).join('')}
<h2>${esc(t('integrity'))}</h2>
<p>${esc(t('integrityLine', { count: c.integrity.pointCount, format: c.integrity.format }))}</p>
<p class="hash">${esc(c.integrity.sha256)}</p>
<p class="statement">${esc(c.statement)}</p>
</body></html>`;
}
