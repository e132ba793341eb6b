import { get, subscribe } from '../api.js';
import { envelope, TimeChart, type ChartLimits } from '../chart.js';
import { fmtValue, h, replace } from '../dom.js';
import { errorBox } from '../form.js';
import { fmtTime, t, term } from '../i18n.js';
import { applyStatus, applyValues, every, initialState, latestValues, stateBadges, updatedLine, type LiveState } from '../live.js';
import type { AppContext, Equipment, HistoryBody, Page, SpecLimitList, StatusEvent, ValuesEvent } from '../types.js';
import { equipmentSidebar } from './equipment-info.js';
import { alarmList } from './alarm-list.js';
import { equipmentRuns } from './equipment-runs.js';

const WINDOWS: [string, number][] = [['equipment.window.15m', 15 * 60_000], ['equipment.window.1h', 3_600_000], ['equipment.window.24h', 86_400_000], ['equipment.window.7d', 7 * 86_400_000]];

/** Live charts of chosen parameters; zoom (drag) and pan refetch history in plot mode. */
export async function equipmentPage([id]: string[], ctx: AppContext): Promise<Page> {
  const list = await get<{ items: Equipment[] }>('/api/v1/equipment');
  const e = list.items.find((x) => x.id === id);
  if (!e) return { el: errorBox(new Error(t('equipment.unknown', { id }))) };
  const plottable = e.parameters.filter((p) => p.datatype !== 'string');
  // Limits without a recipe are the equipment's general ones; recipe limits belong to a run, so its report shows them.
  // Lines on the charts are an aid: without them (a failed request) the page still shows the data.
  const specLimits = await get<SpecLimitList>(`/api/v1/spec-limits?${new URLSearchParams({ equipment: e.id })}`).catch(() => ({ items: [] }) as SpecLimitList);
  const limits = new Map<string, ChartLimits>(specLimits.items
    .filter((l) => l.recipe === null).map((l) => [l.parameter, { low: l.low, high: l.high, target: l.target }]));
  const chosen = new Set(plottable.filter((p) => p.datatype === 'number').slice(0, 2).map((p) => p.id));
  let windowMs = WINDOWS[0]![1];
  /** The window that ends now, from one reading of the clock: exactly `windowMs` wide, so half of it is whole ms. */
  const endingNow = () => { const to = Date.now(); return { from: to - windowMs, to }; };
  let range = endingNow();
  let follow = true;
  let charts: TimeChart[] = [];
  let state: LiveState = initialState(e);

  const badge = h('span', { class: `badge status-${state.status}`, 'data-role': 'status' }, term('status', state.status));
  const liveEl = h('span', { class: 'live-state' });
  const renderLive = () => replace(liveEl, stateBadges(state), updatedLine(state));
  renderLive();
  const chartsEl = h('div', { class: 'charts' });
  const rangeLabel = h('span', { class: 'muted', 'data-role': 'range' });
  const chartError = h('div');
  const liveButton = h('button', { class: 'toggle', 'aria-pressed': 'true', onclick: () => followNow() }, t('equipment.live'));

  const load = async () => {
    const maxPoints = Math.max(200, Math.min(2000, chartsEl.clientWidth || 1000));
    replace(chartError);
    rangeLabel.textContent = `${fmtTime(range.from)} – ${fmtTime(range.to)}`;
    liveButton.setAttribute('aria-pressed', String(follow));
    const window = { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() };
    const base = `/api/v1/equipment/${encodeURIComponent(e.id)}/history`;
    const numeric = charts.filter((c) => !c.series.boolean);
    const booleans = charts.filter((c) => c.series.boolean);
    const requests: Promise<void>[] = [];
    // Numbers in plot mode, one request for all of them: each bucket's min and max, so spikes survive.
    if (numeric.length) requests.push(get<HistoryBody>(`${base}?${new URLSearchParams({ parameter: numeric.map((c) => c.series.id).join(','), ...window, mode: 'plot', maxPoints: String(maxPoints) })}`)
      .then((body) => {
        if (body.mode !== 'plot') return;
        for (const chart of numeric) chart.setData(envelope(body.series.find((s) => s.parameter === chart.series.id)?.buckets ?? [], body.bucketMs), range.from, range.to);
      }));
    // Plot mode carries numbers only; on/off states are few points, so they come raw.
    for (const chart of booleans) requests.push(get<HistoryBody>(`${base}?${new URLSearchParams({ parameter: chart.series.id, ...window, mode: 'raw', limit: '20000' })}`)
      .then((body) => { if (body.mode === 'raw') chart.setData(body.points, range.from, range.to); }));
    for (const result of await Promise.allSettled(requests)) if (result.status === 'rejected') chartError.append(errorBox(result.reason));
  };
  const setRange = (from: number, to: number) => { range = { from, to }; void load(); };
  /** Live: the window follows now again. */
  const followNow = () => { follow = true; const { from, to } = endingNow(); setRange(from, to); };
  const zoom = (from: number, to: number) => { follow = false; setRange(from, to); };

  const buildCharts = () => {
    charts.forEach((c) => c.destroy());
    charts = plottable.filter((p) => chosen.has(p.id)).map((p) => new TimeChart({ id: p.id, name: p.name, unit: p.unit, boolean: p.datatype === 'boolean' }, zoom, limits.get(p.id) ?? null));
    replace(chartsEl, charts.map((c) => c.el));
    if (chartsEl.isConnected) { charts.forEach((c) => c.mount()); void load(); }
  };

  const picker = h('fieldset', { class: 'picker' }, h('legend', null, t('equipment.parameters')), plottable.map((p) => h('label', null,
    h('input', { type: 'checkbox', name: 'parameter', value: p.id, checked: chosen.has(p.id), onchange: (ev: Event) => {
      if ((ev.target as HTMLInputElement).checked) chosen.add(p.id); else chosen.delete(p.id);
      buildCharts();
    } }), ` ${p.name}`)));
  const pan = (dir: number) => { follow = false; const shift = (range.to - range.from) / 2 * dir; setRange(range.from + shift, range.to + shift); };
  // ← → pan by half a window, as the page's help says; not while typing or choosing in a field, nor with modifiers.
  const onKey = (ev: KeyboardEvent) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey || (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight')) return;
    if ((ev.target as HTMLElement | null)?.closest?.('input, textarea, select, [contenteditable]')) return;
    ev.preventDefault();
    pan(ev.key === 'ArrowLeft' ? -1 : 1);
  };
  document.addEventListener('keydown', onKey);
  const controls = h('div', { class: 'controls' },
    WINDOWS.map(([label, ms]) => h('button', { onclick: () => { windowMs = ms; followNow(); } }, t(label))),
    h('button', { title: t('equipment.earlier'), 'aria-label': t('equipment.earlier'), onclick: () => pan(-1) }, '←'),
    h('button', { title: t('equipment.later'), 'aria-label': t('equipment.later'), onclick: () => pan(1) }, '→'),
    liveButton, rangeLabel);
  const valuesEl = h('dl', { class: 'values' });
  const renderValues = () => replace(valuesEl, e.parameters.filter((p) => p.datatype === 'number').map((p) => [h('dt', null, p.name), h('dd', { 'data-parameter': p.id }, fmtValue(state.values[p.id], p.unit))]));
  renderValues();

  const stopStream = subscribe('/api/v1/status/stream', (event, data) => {
    const update = data as StatusEvent | ValuesEvent;
    if (update.equipmentId !== e.id) return;
    // Values on this page come from the history API (tenancy); the stream's values only move "updated".
    if (event === 'values') state = { ...applyValues(state, update as ValuesEvent), values: state.values };
    else if (event === 'status') state = applyStatus(state, update as StatusEvent);
    else return;
    badge.className = `badge status-${state.status}`;
    badge.textContent = term('status', state.status);
    renderLive();
  }, () => undefined);
  const numericIds = e.parameters.filter((p) => p.datatype === 'number').map((p) => p.id);
  const stopValues = every(2000, async () => {
    state = { ...state, values: await latestValues(e, numericIds) };
    renderValues();
  });
  // While following, the window slides to now; plot mode makes each refresh one cheap query.
  const stopFollow = every(5000, async () => { if (follow && chartsEl.isConnected) followNow(); });

  const alarms = alarmList(ctx, e.id);
  const el = h('section', null,
    h('div', { class: 'page-head' }, h('h1', null, e.name), badge, liveEl, h('span', { class: 'muted' }, [e.kind, e.location || e.site, e.id].filter(Boolean).join(" · "))),
    h('div', { class: 'split' },
      h('div', { class: 'main-col' }, controls, picker, chartError, chartsEl, h('p', { class: 'muted small' }, t('equipment.chartHelp')), equipmentRuns(e)),
      h('aside', { class: 'side-col' }, alarms.el, h('div', { class: 'card' }, h('h2', null, t('equipment.currentValues')), valuesEl), await equipmentSidebar(e, ctx))));
  return { el, mounted: buildCharts, dispose: () => { document.removeEventListener('keydown', onKey); stopStream(); alarms.dispose(); stopValues(); stopFollow(); charts.forEach((c) => c.destroy()); } };
}
