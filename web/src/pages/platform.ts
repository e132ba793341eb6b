import { download, get } from '../api.js';
import { fromWallClock } from '../../../common/i18n/format.js';
import { h, replace } from '../dom.js';
import { errorBox } from '../form.js';
import { fmtTime, locale, t } from '../i18n.js';
import type { AppContext, Page, ServiceReportBody, ServiceRunList } from '../types.js';

const text = (key: string, vars?: Record<string, string | number>) => t(`platform.${key}`, vars);
const weekdays = () => text('weekdays').split(',');

const hours = (v: number) => v.toLocaleString(locale.language, { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);
const money = (v: number) => v.toLocaleString(locale.language, { maximumFractionDigits: 2, minimumFractionDigits: 2 });
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** The date inputs hold days of the laboratory's calendar (PILOTHUB_TIME_ZONE), whatever the browser's zone. */
const labMidnight = (day: string) => { const [y, m, d] = day.split('-').map(Number); return fromWallClock(y!, m!, d!, 0, 0, locale.timeZone); };

/** An inline SVG from markup built here from numbers and escaped labels. */
function svg(markup: string): HTMLElement {
  const box = h('div', { class: 'chart svg-chart' });
  box.innerHTML = markup;
  return box;
}

function stacked(bars: { label: string; internal: number; external: number }[]): HTMLElement {
  const W = 640; const H = 200; const pad = 30;
  const max = Math.max(1, ...bars.map((b) => b.internal + b.external));
  const slot = (W - pad) / Math.max(1, bars.length);
  const y = (v: number) => (v / max) * (H - 2 * pad);
  const rects = bars.map((b, i) => {
    const x = pad + i * slot + slot * 0.15; const w = slot * 0.7; const base = H - pad;
    return `<rect x="${x}" y="${base - y(b.internal)}" width="${w}" height="${y(b.internal)}" fill="#2563eb"><title>${esc(`${b.label}: ${text('internal')} ${text('hoursUnit', { value: hours(b.internal) })}`)}</title></rect>`
      + `<rect x="${x}" y="${base - y(b.internal) - y(b.external)}" width="${w}" height="${y(b.external)}" fill="#f59e0b"><title>${esc(`${b.label}: ${text('external')} ${text('hoursUnit', { value: hours(b.external) })}`)}</title></rect>`
      + `<text x="${x + w / 2}" y="${H - 12}" text-anchor="middle" font-size="10">${esc(b.label)}</text>`;
  }).join('');
  return svg(`<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(text('monthly'))}" data-chart="monthly">${rects}`
    + `<text x="4" y="${pad}" font-size="10">${text('hoursUnit', { value: hours(max) })}</text><rect x="${W - 200}" y="4" width="10" height="10" fill="#2563eb"/><text x="${W - 186}" y="13" font-size="10">${esc(text('internal'))}</text>`
    + `<rect x="${W - 100}" y="4" width="10" height="10" fill="#f59e0b"/><text x="${W - 86}" y="13" font-size="10">${esc(text('external'))}</text></svg>`);
}

function ratios(items: { label: string; value: number | null }[]): HTMLElement {
  const W = 640; const row = 16; const left = 170;
  const bars = items.map((it, i) => `<text x="${left - 6}" y="${i * row + 12}" text-anchor="end" font-size="10">${esc(it.label)}</text>`
    + `<rect x="${left}" y="${i * row + 3}" width="${(it.value ?? 0) * (W - left - 60)}" height="${row - 5}" fill="#f59e0b"/>`
    + `<text x="${left + (it.value ?? 0) * (W - left - 60) + 4}" y="${i * row + 12}" font-size="10">${pct(it.value)}</text>`).join('');
  return svg(`<svg viewBox="0 0 ${W} ${items.length * row + 6}" width="100%" role="img" aria-label="${esc(text('sharingByEquipment'))}" data-chart="sharing">${bars}</svg>`);
}

function heatmap(grid: number[][]): HTMLElement {
  const max = Math.max(1e-9, ...grid.flat());
  return h('table', { class: 'heatmap', 'data-chart': 'heatmap' },
    h('thead', null, h('tr', null, h('th', null, ''), Array.from({ length: 24 }, (_, i) => h('th', null, String(i))))),
    h('tbody', null, grid.map((row, d) => h('tr', null, h('th', null, weekdays()[d]!),
      row.map((v) => h('td', { style: `background: rgba(37,99,235,${(v / max).toFixed(3)})`, title: text('hoursUnit', { value: hours(v) }) }))))));
}

/** Operator staff: the platform's service figures for a chosen period, charts and drill-down to runs (issue #16). */
export async function platformPage(_params: string[], ctx: AppContext): Promise<Page> {
  const year = Number(new Intl.DateTimeFormat('en', { timeZone: locale.timeZone, year: 'numeric' }).format(Date.now()));
  const form = h('form', { class: 'inline', id: 'platform-form' },
    h('label', null, text('from'), ' ', h('input', { type: 'date', name: 'from', value: `${year}-01-01` })),
    h('label', null, text('to'), ' ', h('input', { type: 'date', name: 'to', value: `${year + 1}-01-01` })),
    h('button', { type: 'submit', class: 'primary' }, text('show')));
  const out = h('div', { 'data-role': 'platform' });
  const drill = h('div', { 'data-role': 'drill-down' });
  const field = (name: string) => new Date(labMidnight((form.elements.namedItem(name) as HTMLInputElement).value)).toISOString();
  const show = async () => {
    replace(out, h('p', { class: 'muted' }, text('loading')));
    replace(drill);
    try {
      const window = `from=${encodeURIComponent(field('from'))}&to=${encodeURIComponent(field('to'))}`;
      const [whole, months] = await Promise.all([
        get<ServiceReportBody>(`/api/v1/service-report?${window}`), get<ServiceReportBody>(`/api/v1/service-report?${window}&groupBy=month`),
      ]);
      replace(out, whole.scope === 'platform' ? platformView(whole, months, window, (id) => void runs(id, window)) : customerView(whole));
    } catch (err) {
      replace(out, errorBox(err));
    }
  };
  const runs = async (equipmentId: string, window: string) => {
    try {
      const list = await get<ServiceRunList>(`/api/v1/service-report/runs?${window}&equipment=${encodeURIComponent(equipmentId)}`);
      if (!list.items.length) return void replace(drill, h('h2', null, text('runsOf', { id: equipmentId })), h('p', { class: 'muted empty' }, t('empty.platformRuns')));
      replace(drill, h('h2', null, text('runsOf', { id: equipmentId })), h('table', { 'data-role': 'runs' },
        h('thead', null, h('tr', null, [text('organisation'), text('started'), text('ended'), text('hoursInWindow'), text('booking'), ''].map((c) => h('th', null, c)))),
        h('tbody', null, list.items.map((r) => h('tr', { 'data-run': r.runId },
          h('td', null, r.orgId ?? '—'), h('td', null, fmtTime(r.startedAt)), h('td', null, r.endedAt === null ? text('open') : fmtTime(r.endedAt)),
          h('td', null, hours(r.hours)), h('td', null, r.bookingId ?? '—'),
          h('td', null, r.corrected && h('span', { class: 'badge' }, text('corrected')), ' ', h('a', { href: `#/equipment/${encodeURIComponent(r.equipmentId)}` }, text('telemetry'))))),
          h('tr', null, h('th', null, text('total')), h('td'), h('td'), h('th', { 'data-role': 'total-hours' }, hours(list.totalHours)), h('td'), h('td')))));
    } catch (err) {
      replace(drill, errorBox(err));
    }
  };
  form.addEventListener('submit', (ev) => { ev.preventDefault(); void show(); });
  const dl = (path: () => string, name: string) => () => void download(path(), name).catch((err) => replace(drill, errorBox(err)));
  const exported = (format: string) => () => `/api/v1/service-report?from=${encodeURIComponent(field('from'))}&to=${encodeURIComponent(field('to'))}&groupBy=month&format=${format}`;
  const annualYear = () => Number((form.elements.namedItem('from') as HTMLInputElement).value.slice(0, 4));
  const downloads = h('div', { class: 'page-head' },
    h('button', { onclick: dl(exported('csv'), 'service-report.csv') }, text('csv')),
    h('button', { onclick: dl(exported('xlsx'), 'service-report.xlsx') }, text('xlsx')),
    ctx.me?.orgId === 'operator' && h('button', { onclick: dl(() => `/api/v1/service-report/annual?year=${annualYear()}&format=pdf`, 'service-report-annual.pdf') }, text('annual')));
  return {
    el: h('section', { class: 'platform' }, h('div', { class: 'page-head' }, h('h1', null, text('title')), form), downloads, out, drill,
      h('p', { class: 'muted small' }, text('definitions'))),
    mounted: () => void show(),
  };
}

function platformView(r: ServiceReportBody, months: ServiceReportBody, window: string, onRuns: (id: string) => void): HTMLElement {
  const all = r.totals.find((t) => t.band === 'all')!;
  const stat = (label: string, value: string, role: string) => h('div', { class: 'card stat', 'data-stat': role }, h('div', { class: 'muted small' }, label), h('strong', null, value));
  const monthly = months.totals.filter((t) => t.band === 'all').map((t) => ({ label: t.period, internal: t.internalHours, external: t.externalHours }));
  const byHours = [...r.equipment].sort((a, b) => b.effectiveHours - a.effectiveHours);
  return h('div', { 'data-window': window },
    h('p', { class: 'muted' }, text('period', { from: fmtTime(r.from), to: fmtTime(r.to), zone: r.timeZone })),
    h('div', { class: 'stats' },
      stat(text('effective'), text('hoursUnit', { value: hours(all.effectiveHours) }), 'effective'), stat(text('external'), text('hoursUnit', { value: hours(all.externalHours) }), 'external'),
      stat(text('sharing'), pct(all.sharingRate), 'sharing'), stat(text('bookings'), `${all.bookings} (${text('noShows')}: ${all.noShows})`, 'bookings'),
      stat(text('income'), `${money(all.incomeInternal)} / ${money(all.incomeExternal)}`, 'income'), stat(text('orgs'), String(all.orgsServed), 'orgs'),
      stat(text('reports'), String(all.reportsIssued), 'reports'), stat(text('norm'), text('meetingNorm', { n: all.meetingNorm, of: all.equipment }), 'norm')),
    h('h2', null, text('monthly')), stacked(monthly),
    h('h2', null, text('sharingByEquipment')), ratios(byHours.map((e) => ({ label: e.name, value: e.sharingRate }))),
    h('h2', null, text('heatmap')), heatmap(r.heatmap),
    h('table', { 'data-role': 'equipment-figures' },
      h('thead', null, h('tr', null, [text('equipment'), text('effective'), text('external'), text('sharing'), text('booked'), text('bookings'), text('noShows'), text('availability'), text('norm'), ''].map((c) => h('th', null, c)))),
      h('tbody', null, byHours.map((e) => h('tr', { 'data-equipment': e.equipmentId },
        h('td', null, e.name), h('td', null, hours(e.effectiveHours)), h('td', null, hours(e.externalHours)), h('td', null, pct(e.sharingRate)),
        h('td', null, hours(e.bookedHours)), h('td', null, String(e.bookings)), h('td', null, String(e.noShows)), h('td', null, pct(e.availability)),
        h('td', null, e.meetsNorm ? text('met') : text('notMet')), h('td', null, h('button', { class: 'link', onclick: () => onRuns(e.equipmentId) }, text('runs'))))))));
}

function customerView(r: ServiceReportBody): HTMLElement {
  return h('div', null, h('h2', null, text('yours')), h('table', { 'data-role': 'org-figures' },
    h('thead', null, h('tr', null, [text('equipment'), text('hours'), text('booked'), text('bookings'), text('noShows'), text('charges')].map((c) => h('th', null, c)))),
    h('tbody', null, r.organisations.map((o) => h('tr', { 'data-equipment': o.equipmentId ?? '' },
      h('td', null, o.equipmentId ?? '—'), h('td', null, hours(o.hours)), h('td', null, hours(o.bookedHours)), h('td', null, String(o.bookings)),
      h('td', null, String(o.noShows)), h('td', null, money(o.charges)))))));
}
