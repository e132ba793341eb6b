import { escapeXml as esc } from '../reports/svg-chart.js';
import { ratioBars, stackedBars } from './chart.js';
import type { ServiceReport } from './model.js';
import { hasKey, t as translate, type Language } from '../../common/i18n/index.js';

export interface AnnualInput {
  year: number; lang: Language; platform: { name: string; location: string };
  /** The year as one period (groupBy year) and month by month (groupBy month), platform scope. */
  report: ServiceReport; months: ServiceReport;
}

const STYLE = `body{font-family:sans-serif;font-size:10px;color:#111;margin:20px}h1{font-size:18px;margin:0 0 4px}h2{font-size:13px;margin:16px 0 6px;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;margin-bottom:6px}th,td{border:1px solid #bbb;padding:2px 4px;text-align:left;vertical-align:top}
table.kv th{width:22%;background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}tr{break-inside:avoid;page-break-inside:avoid}.chart{page-break-inside:avoid;margin:6px 0}dt{font-weight:bold;margin-top:4px}dd{margin:0 0 2px 12px}`;

const num = (v: number | null, digits = 1) => (v === null ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);
const td = (v: string) => `<td class="n">${v}</td>`;

/**
 * The annual service report as one self-contained HTML page (inline CSS and SVG), printed to PDF as it is: period and
 * time zone, platform summary per value band, monthly hours, per-equipment table, sharing rates, customers served,
 * and the definition of every figure.
 */
export function annualHtml(input: AnnualInput): string {
  // Words from the catalogs (common/i18n/locales, key serviceReport.*); numbers go in as text, unformatted.
  const word = (key: string, vars?: Record<string, string>) => translate(input.lang, `serviceReport.${key}`, vars);
  const w = (key: string, vars?: Record<string, string>) => esc(word(key, vars));
  const hd = (key: string) => w(`head.${key}`);
  const band = { all: w('bandAll'), '>=500000': w('band500k'), '>=10000000': w('band10m') };
  const definitions: string[] = [];
  for (let i = 1; hasKey(`serviceReport.defs.d${String(i).padStart(2, '0')}.term`); i++) definitions.push(`d${String(i).padStart(2, '0')}`);
  const r = input.report;
  const local = (ms: number) => new Intl.DateTimeFormat(input.lang, { timeZone: r.timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(ms);
  const summary = r.totals.map((x) => `<tr><td>${band[x.band]}</td>${td(String(x.equipment))}${td(num(x.effectiveHours))}${td(num(x.internalHours))}${td(num(x.externalHours))}
${td(pct(x.sharingRate))}${td(num(x.averageEffectiveHours))}${td(num(x.averageExternalHours))}${td(String(x.bookings))}${td(`${num(x.incomeInternal, 2)} / ${num(x.incomeExternal, 2)}`)}
${td(String(x.orgsServed))}${td(String(x.reportsIssued))}${td(String(x.meetingNorm))}</tr>`).join('');
  const equipment = r.equipment.map((e) => `<tr><td>${esc(e.name)}<br><small>${esc(e.equipmentId)}</small></td>${td(num(e.effectiveHours))}${td(num(e.externalHours))}
${td(pct(e.sharingRate))}${td(num(e.bookedHours))}${td(String(e.bookings))}${td(String(e.noShows))}${td(`${num(e.incomeInternal, 2)} / ${num(e.incomeExternal, 2)}`)}
${td(e.yield === null ? '—' : pct(e.yield))}${td(String(e.orgsServed))}${td(String(e.reportsIssued))}${td(pct(e.availability))}${td(num(e.hoursNorm, 0))}<td>${e.meetsNorm ? hd('yes') : hd('no')}</td></tr>`).join('');
  const monthly = input.months.totals.filter((x) => x.band === 'all')
    .map((x) => ({ label: x.period.slice(5), internal: x.internalHours, external: x.externalHours }));
  const sharing = [...r.equipment].sort((a, b) => (b.sharingRate ?? -1) - (a.sharingRate ?? -1)).map((e) => ({ label: e.name, value: e.sharingRate }));
  // The year is one period: one row per customer organisation.
  const customers = r.organisations.map((c) => `<tr><td>${esc(c.orgName)}<br><small>${esc(c.orgId)}</small></td>${td(num(c.hours))}${td(String(c.equipmentUsed))}
${td(String(c.bookings))}${td(String(c.noShows))}${td(num(c.charges, 2))}</tr>`).join('');
  return `<!doctype html><html lang="${input.lang}"><head><meta charset="utf-8"><title>${w('title', { year: String(input.year) })}</title><style>${STYLE}</style></head><body>
<h1>${w('title', { year: String(input.year) })}</h1>
<p>${esc(input.platform.name)}${input.platform.location ? ` · ${esc(input.platform.location)}` : ''}</p>
<table class="kv"><tr><th>${w('period')}</th><td>${esc(local(r.from))} – ${esc(local(r.to))}</td></tr><tr><th>${w('timeZone')}</th><td>${esc(r.timeZone)}</td></tr>
<tr><th>${w('generated')}</th><td>${esc(local(r.generatedAt))}</td></tr><tr><th>${w('settings')}</th><td>${w('settingsValue', { weight: String(r.settings.externalWeight), norm: String(r.settings.hoursNorm) })}</td></tr></table>
<h2>${w('summary')}</h2>
<table><tr><th></th><th>${hd('count')}</th><th>${hd('effectiveHours')}</th><th>${hd('internalHours')}</th><th>${hd('externalHours')}</th><th>${hd('sharingRate')}</th><th>${hd('averageEffectiveHours')}</th>
<th>${hd('averageExternalHours')}</th><th>${hd('bookings')}</th><th>${hd('income')}</th><th>${hd('orgsServed')}</th><th>${hd('reportsIssued')}</th><th>${hd('meetingNorm')}</th></tr>${summary}</table>
<div class="chart">${stackedBars(monthly, { title: word('monthly'), internal: word('internal'), external: word('external') })}</div>
<h2>${w('perEquipment')}</h2>
<table><tr><th>${hd('equipment')}</th><th>${hd('effectiveHours')}</th><th>${hd('externalHours')}</th><th>${hd('sharingRate')}</th><th>${hd('bookedHours')}</th><th>${hd('bookings')}</th><th>${hd('noShows')}</th>
<th>${hd('income')}</th><th>${hd('yield')}</th><th>${hd('orgsServed')}</th><th>${hd('reportsIssued')}</th><th>${hd('availability')}</th><th>${hd('norm')}</th><th>${hd('meetsNorm')}</th></tr>${equipment}</table>
<h2>${w('sharing')}</h2><div class="chart">${ratioBars(sharing, word('sharing'))}</div>
<h2>${w('customers')}</h2>
${customers ? `<table><tr><th>${hd('organisation')}</th><th>${hd('hours')}</th><th>${hd('equipment')}</th><th>${hd('bookings')}</th><th>${hd('noShows')}</th><th>${hd('charges')}</th></tr>${customers}</table>` : `<p>${w('none')}</p>`}
<h2>${w('definitions')}</h2>
<dl>${definitions.map((d) => `<dt>${w(`defs.${d}.term`)}</dt><dd>${w(`defs.${d}.text`)}</dd>`).join('')}</dl>
</body></html>`;
}
