import { get } from '../api.js';
import { OverlayChart, runColour } from '../compare-chart.js';
import { fmtMinutes, fmtValue, h, replace } from '../dom.js';
import { errorBox, field } from '../form.js';
import { fmtTime, locale, t } from '../i18n.js';
import { hashQuery } from '../links.js';
import { fromWallClock } from '../../../common/i18n/format.js';
import { orgNames } from '../orgs.js';
import { leadingRunCells } from './run-cells.js';
import { isStaff, type AppContext, type Comparison, type Equipment, type Page, type ReportList, type Run, type RunList } from '../types.js';

/** `yyyy-mm-dd` typed in a date input: the start of that day in the laboratory's zone. */
const dayStart = (s: string) => { const [y, m, d] = s.split('-').map(Number); return fromWallClock(y!, m!, d!, 0, 0, locale.timeZone); };

/**
 * Compare runs (issue #17): pick runs by equipment, customer, recipe and date; choose parameters and the alignment;
 * one overlay chart per parameter with a legend per run, and the statistics side by side with the differences to
 * the first picked run. Customers see (and the API lets them compare) only their organisation's runs.
 * `#/compare?equipment=…&run=…` (the equipment page's runs link here) starts with that equipment chosen and that run ticked.
 */
export async function comparePage(_params: string[], ctx: AppContext): Promise<Page> {
  const [equipment, orgs] = await Promise.all([get<{ items: Equipment[] }>('/api/v1/equipment'), orgNames()]);
  const staff = isStaff(ctx.me);
  const byId = new Map(equipment.items.map((e) => [e.id, e]));
  const select = (name: string, any: string, options: [string, string][]) =>
    h('select', { name }, h('option', { value: '' }, any), options.map(([v, label]) => h('option', { value: v }, label)));
  const eqSelect = select('equipment', t('compare.anyEquipment'), equipment.items.map((e) => [e.id, `${e.name} (${e.id})`]));
  const orgSelect = staff ? select('org', t('compare.anyCustomer'), [...orgs].map(([id, name]) => [id, name])) : null;
  const recipe = h('input', { name: 'recipe' });
  const from = h('input', { type: 'date', name: 'from' });
  const to = h('input', { type: 'date', name: 'to' });
  const runsBox = h('div', { 'data-role': 'compare-runs' });
  const paramsBox = h('div', { class: 'picker', 'data-role': 'compare-parameters' });
  const align = h('select', { name: 'align' }, ['start', 'phase', 'condition'].map((a) => h('option', { value: a }, t(`compare.align${a[0]!.toUpperCase()}${a.slice(1)}`))));
  const phase = h('input', { name: 'phase', value: 'heating' });
  const phaseParameter = h('input', { name: 'phaseParameter', value: 'batch_state' });
  const condition = h('input', { name: 'condition' });
  const normalise = h('input', { type: 'checkbox', name: 'normalise' });
  const map = h('input', { name: 'map' });
  const out = h('div', { 'data-role': 'compare-result' });
  let charts: OverlayChart[] = [];
  let shown: Run[] = [];
  const picked: string[] = [];

  const findRuns = async () => {
    const q = new URLSearchParams();
    if (eqSelect.value) q.set('equipment', eqSelect.value);
    if (from.value) q.set('from', new Date(dayStart(from.value)).toISOString());
    if (to.value) q.set('to', new Date(dayStart(to.value) + 86_400_000).toISOString());
    const [runs, reports] = await Promise.all([
      get<RunList>(`/api/v1/runs?${q}`),
      recipe.value.trim() ? get<ReportList>(`/api/v1/reports?${new URLSearchParams({ recipe: recipe.value.trim() })}`) : Promise.resolve(null),
    ]);
    // A run follows the recipe it states, or the one its report was issued with.
    const withRecipe = reports && new Set(reports.items.map((r) => r.runId));
    const recipeOf = (r: Run) => !withRecipe || withRecipe.has(r.id) || r.recipe === recipe.value.trim();
    shown = runs.items.filter((r) => (!orgSelect?.value || r.orgId === orgSelect.value) && recipeOf(r)).reverse();
    picked.length = 0;
    renderRuns();
  };

  const renderRuns = () => {
    if (!shown.length) return replace(runsBox, h('p', { class: 'muted empty' }, t('compare.noRuns')));
    replace(runsBox, h('p', { class: 'muted small' }, t('compare.pickRuns')), h('table', null,
      h('thead', null, h('tr', null, ['compare.col.pick', 'col.equipment', 'col.organisation', 'col.recipe', 'compare.col.started', 'compare.col.duration'].map((c) => h('th', null, t(c))))),
      h('tbody', null, shown.map((r) => h('tr', { 'data-run': r.id },
        h('td', null, h('input', { type: 'checkbox', name: 'run', value: r.id, checked: picked.includes(r.id), 'aria-label': r.id, onchange: (ev: Event) => toggle(r.id, (ev.target as HTMLInputElement).checked) })),
        h('td', null, byId.get(r.equipmentId)?.name ?? r.equipmentId), leadingRunCells(r, orgs), h('td', null, fmtMinutes(r.minutes)))))));
    renderParameters();
  };

  const toggle = (id: string, on: boolean) => {
    const i = picked.indexOf(id);
    if (on && i < 0) picked.push(id);
    if (!on && i >= 0) picked.splice(i, 1);
    renderParameters();
  };

  /** The numeric parameters of the reference run's equipment (others match by id or by the mapping). */
  const renderParameters = () => {
    const first = shown.find((r) => r.id === (picked[0] ?? shown[0]?.id));
    const params = (first ? byId.get(first.equipmentId)?.parameters ?? [] : []).filter((p) => p.datatype === 'number');
    const before = new Set([...paramsBox.querySelectorAll<HTMLInputElement>('input:checked')].map((x) => x.value));
    replace(paramsBox, params.map((p, i) => h('label', null, h('input', { type: 'checkbox', name: 'parameter', value: p.id, checked: before.size ? before.has(p.id) : i === 0 }), ` ${p.name} (${p.id})`)));
  };

  const runCompare = async () => {
    const parameters = [...paramsBox.querySelectorAll<HTMLInputElement>('input:checked')].map((x) => x.value);
    if (!picked.length || !parameters.length) return replace(out, errorBox(new Error(t('compare.tickOne'))));
    const q = new URLSearchParams({ runs: picked.join(','), parameters: parameters.join(','), align: align.value });
    if (align.value === 'phase') { q.set('phase', phase.value); q.set('phaseParameter', phaseParameter.value); }
    if (align.value === 'condition') q.set('condition', condition.value);
    if (normalise.checked) q.set('normalise', 'duration');
    if (map.value.trim()) q.set('map', map.value.replace(/\s+/g, ''));
    try {
      renderResult(await get<Comparison>(`/api/v1/runs/compare?${q}`));
    } catch (err) {
      replace(out, errorBox(err));
    }
  };

  const renderResult = (c: Comparison) => {
    charts.forEach((x) => x.destroy());
    const label = (id: string) => {
      const run = c.runs.find((r) => r.id === id)!;
      return t('compare.legend', { equipment: byId.get(run.equipmentId)?.name ?? run.equipmentId, start: fmtTime(run.startedAt) });
    };
    const legend = h('ul', { class: 'legend', 'data-role': 'compare-legend' }, c.runs.map((r, i) => h('li', { 'data-run': r.id },
      h('span', { class: 'swatch', style: `background:${runColour(i)}` }), ` ${label(r.id)}`, i === 0 ? ` (${t('compare.reference')})` : '')));
    charts = c.series.map((s) => new OverlayChart(`${s.parameter}${s.unit ? ` (${s.unit})` : ''}`, c.axis.unit, s.runs));
    const num = (v: number | null | undefined) => (v === null || v === undefined ? '—' : fmtValue(v));
    const stats = h('table', { 'data-role': 'compare-stats' },
      h('thead', null, h('tr', null, ['parameters', 'run', 'count', 'min', 'max', 'mean', 'dMean', 'dMax', 'rms'].map((k) => h('th', null, t(k === 'parameters' ? 'compare.parameters' : `compare.col.${k}`))))),
      h('tbody', null, c.statistics.flatMap((p) => p.runs.map((r, i) => h('tr', { 'data-parameter': p.parameter, 'data-run': r.runId },
        h('td', null, p.parameter), h('td', null, h('span', { class: 'swatch', style: `background:${runColour(i)}` }), ` ${label(r.runId)}`),
        h('td', null, r.count), h('td', null, num(r.min)), h('td', null, num(r.max)), h('td', null, num(r.mean)),
        h('td', null, num(r.difference?.mean)), h('td', null, num(r.difference?.max)), h('td', null, num(r.difference?.rms)))))));
    replace(out, legend, h('div', { class: 'charts' }, charts.map((x) => x.el)), h('h2', null, t('compare.statistics')), stats, h('p', { class: 'muted small' }, t('compare.differenceNote')));
    charts.forEach((x) => x.mount());
  };

  const filters = h('form', { class: 'controls', 'data-role': 'compare-filters', onsubmit: (ev: Event) => { ev.preventDefault(); void findRuns().catch((err) => replace(runsBox, errorBox(err))); } },
    field(t('compare.equipment'), eqSelect), orgSelect && field(t('compare.customer'), orgSelect), field(t('compare.recipe'), recipe),
    field(t('compare.from'), from), field(t('compare.to'), to), h('button', { type: 'submit' }, t('compare.find')));
  const options = h('form', { class: 'controls', 'data-role': 'compare-options', onsubmit: (ev: Event) => { ev.preventDefault(); void runCompare(); } },
    field(t('compare.align'), align), field(t('compare.phaseParameter'), phaseParameter), field(t('compare.phase'), phase), field(t('compare.condition'), condition),
    field(t('compare.map'), map), h('label', null, normalise, ` ${t('compare.normalise')}`), h('button', { type: 'submit', id: 'compare-go' }, t('compare.compare')));
  const query = hashQuery();
  const chosen = query.get('equipment');
  if (chosen && byId.has(chosen)) eqSelect.value = chosen;
  await findRuns().then(() => {
    const run = query.get('run');
    if (run && shown.some((r) => r.id === run)) { picked.push(run); renderRuns(); }
  }, (err) => replace(runsBox, errorBox(err)));
  return {
    el: h('section', { class: 'compare' }, h('div', { class: 'page-head' }, h('h1', null, t('compare.title'))), filters, runsBox,
      h('h2', null, t('compare.parameters')), paramsBox, options, out),
    dispose: () => charts.forEach((x) => x.destroy()),
  };
}
