import { h, replace } from '../dom.js';
import { errorBox } from '../form.js';
import { t } from '../i18n.js';
import { compareLink, runsLink } from '../links.js';
import { orgNames } from '../orgs.js';
import type { Equipment, ReportSummary, Run } from '../types.js';
import { reportLinks, RUN_COLUMNS, runCells } from './run-cells.js';
import { pagedRuns, runPage } from './run-pages.js';

/** Runs the API is asked for at first, and by each "show older runs". */
const PAGE = 10;

/**
 * The equipment's runs, newest first: the latest ten, older ones page by page on demand, each with links to the run
 * (on the runs page), to compare it and to its reports. The API decides whose runs a viewer sees (customers: their
 * organisation's) and pages them, so a busy piece of equipment with thousands of runs costs one page here, and its
 * reports only that page's. It loads beside the rest of the page: a failed request is an error box here only.
 */
export function equipmentRuns(e: Equipment): HTMLElement {
  const body = h('div', { 'data-role': 'equipment-runs-body' }, h('p', { class: 'muted' }, t('equipment.runsLoading')));
  const el = h('div', { class: 'card', 'data-role': 'equipment-runs' }, h('h2', null, t('equipment.runs')), body);
  void load(e, body);
  return el;
}

async function load(e: Equipment, body: HTMLElement): Promise<void> {
  const [first, orgs] = await Promise.allSettled([runPage({ equipment: e.id }, PAGE, null), orgNames()]);
  if (first.status === 'rejected') return replace(body, errorBox(first.reason));
  if (!first.value.runs.length) return replace(body, h('p', { class: 'muted empty' }, t('empty.equipmentRuns')));
  const names = orgs.status === 'fulfilled' ? orgs.value : new Map<string, string>();
  const row = (run: Run, reports: ReportSummary[] | undefined) => h('tr', { 'data-run': run.id, 'data-open': run.endedAt === null ? 'true' : null },
    runCells(run, names),
    h('td', { class: 'run-links' },
      h('a', { href: runsLink(e.id, run.id), 'data-link': 'run' }, t('equipment.openRun')), ' ',
      h('a', { href: compareLink(e.id, run.id), 'data-link': 'compare' }, t('equipment.compareRun')), ' ',
      reportLinks(reports)));
  const { tbody, failure, more } = pagedRuns(first.value, (before) => runPage({ equipment: e.id }, PAGE, before), row);
  replace(body,
    failure,
    h('table', null, h('thead', null, h('tr', null, [...RUN_COLUMNS, 'equipment.runLinks'].map((c) => h('th', null, t(c))))), tbody),
    h('p', null, more, ' ', h('a', { href: runsLink(e.id), 'data-link': 'all-runs' }, t('equipment.allRuns'))));
}
