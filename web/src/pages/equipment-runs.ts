import { get } from '../api.js';
import { h, replace } from '../dom.js';
import { errorBox } from '../form.js';
import { t } from '../i18n.js';
import { compareLink, runsLink } from '../links.js';
import { orgNames } from '../orgs.js';
import type { Equipment, ReportList, RunList } from '../types.js';
import { reportLinks, reportsByRun, RUN_COLUMNS, runCells } from './run-cells.js';

/** Runs shown at first, and added by each "show more". */
const PAGE = 10;

/**
 * The equipment's runs, newest first: the latest ten, more on demand, each with links to the run (on the runs page),
 * to compare it and to its reports. The API decides whose runs a viewer sees (customers: their organisation's); this
 * list shows what it answers. It loads beside the rest of the page: a failed request is an error box here only.
 */
export function equipmentRuns(e: Equipment): HTMLElement {
  const body = h('div', { 'data-role': 'equipment-runs-body' }, h('p', { class: 'muted' }, t('equipment.runsLoading')));
  const el = h('div', { class: 'card', 'data-role': 'equipment-runs' }, h('h2', null, t('equipment.runs')), body);
  void load(e, body);
  return el;
}

async function load(e: Equipment, body: HTMLElement): Promise<void> {
  const [runs, reports, orgs] = await Promise.allSettled([
    get<RunList>(`/api/v1/runs?${new URLSearchParams({ equipment: e.id })}`),
    get<ReportList>('/api/v1/reports'),
    orgNames(),
  ]);
  if (runs.status === 'rejected') return replace(body, errorBox(runs.reason));
  // The API lists runs oldest first.
  const newest = [...runs.value.items].reverse();
  if (!newest.length) return replace(body, h('p', { class: 'muted empty' }, t('empty.equipmentRuns')));
  const byRun = reports.status === 'fulfilled' ? reportsByRun(reports.value) : new Map();
  const names = orgs.status === 'fulfilled' ? orgs.value : new Map<string, string>();
  const rows = newest.map((run) => h('tr', { 'data-run': run.id, 'data-open': run.endedAt === null ? 'true' : null },
    runCells(run, names),
    h('td', { class: 'run-links' },
      h('a', { href: runsLink(e.id, run.id), 'data-link': 'run' }, t('equipment.openRun')), ' ',
      h('a', { href: compareLink(e.id, run.id), 'data-link': 'compare' }, t('equipment.compareRun')), ' ',
      reportLinks(byRun.get(run.id)))));
  const tbody = h('tbody');
  const more = h('button', { type: 'button', class: 'link', 'data-role': 'more-runs' });
  let shown = 0;
  const showMore = () => {
    shown = Math.min(rows.length, shown + PAGE);
    replace(tbody, rows.slice(0, shown));
    more.hidden = shown >= rows.length;
    more.textContent = t('equipment.moreRuns', { count: Math.min(PAGE, rows.length - shown) });
  };
  more.addEventListener('click', showMore);
  showMore();
  replace(body,
    reports.status === 'rejected' && errorBox(reports.reason),
    h('table', null, h('thead', null, h('tr', null, [...RUN_COLUMNS, 'equipment.runLinks'].map((c) => h('th', null, t(c))))), tbody),
    h('p', null, more, ' ', h('a', { href: runsLink(e.id), 'data-link': 'all-runs' }, t('equipment.allRuns'))));
}
