import { get } from '../api.js';
import { append, h, replace } from '../dom.js';
import { errorBox } from '../form.js';
import { t } from '../i18n.js';
import { compareLink, runsLink } from '../links.js';
import { orgNames } from '../orgs.js';
import type { Equipment, ReportList, ReportSummary, Run, RunList } from '../types.js';
import { reportLinks, reportsByRun, RUN_COLUMNS, runCells } from './run-cells.js';

/** Runs the API is asked for at first, and by each "show older runs". */
const PAGE = 10;

interface RunPage {
  runs: Run[];
  /** The API's `nextBefore`: the next page's `before`, null when no older run is there. */
  next: string | null;
  reports: Map<string, ReportSummary[]>;
  /** Why the page's reports could not be read (the runs are shown without their links). */
  reportsFailed: unknown;
}

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

/** One page of the equipment's runs, newest first, with the reports of those runs. */
async function runPage(equipment: string, before: string | null): Promise<RunPage> {
  const q = new URLSearchParams({ equipment, limit: String(PAGE) });
  if (before) q.set('before', before);
  const list = await get<RunList>(`/api/v1/runs?${q}`);
  const page: RunPage = { runs: list.items, next: list.nextBefore ?? null, reports: new Map(), reportsFailed: null };
  if (!page.runs.length) return page;
  try {
    page.reports = reportsByRun(await get<ReportList>(`/api/v1/reports?${new URLSearchParams({ runs: page.runs.map((r) => r.id).join(',') })}`));
  } catch (err) {
    page.reportsFailed = err;
  }
  return page;
}

async function load(e: Equipment, body: HTMLElement): Promise<void> {
  const [first, orgs] = await Promise.allSettled([runPage(e.id, null), orgNames()]);
  if (first.status === 'rejected') return replace(body, errorBox(first.reason));
  if (!first.value.runs.length) return replace(body, h('p', { class: 'muted empty' }, t('empty.equipmentRuns')));
  const names = orgs.status === 'fulfilled' ? orgs.value : new Map<string, string>();
  const row = (run: Run, reports: ReportSummary[] | undefined) => h('tr', { 'data-run': run.id, 'data-open': run.endedAt === null ? 'true' : null },
    runCells(run, names),
    h('td', { class: 'run-links' },
      h('a', { href: runsLink(e.id, run.id), 'data-link': 'run' }, t('equipment.openRun')), ' ',
      h('a', { href: compareLink(e.id, run.id), 'data-link': 'compare' }, t('equipment.compareRun')), ' ',
      reportLinks(reports)));
  const tbody = h('tbody');
  const failure = h('div', { 'data-role': 'equipment-runs-failure' });
  const more = h('button', { type: 'button', class: 'link', 'data-role': 'more-runs' }, t('equipment.moreRuns'));
  let next: string | null = null;
  const show = (page: RunPage) => {
    append(tbody, page.runs.map((run) => row(run, page.reports.get(run.id))));
    next = page.next;
    more.hidden = next === null;
    replace(failure, page.reportsFailed !== null && errorBox(page.reportsFailed));
  };
  more.addEventListener('click', () => {
    more.disabled = true;
    void runPage(e.id, next).then(show, (err) => replace(failure, errorBox(err))).finally(() => { more.disabled = false; });
  });
  show(first.value);
  replace(body,
    failure,
    h('table', null, h('thead', null, h('tr', null, [...RUN_COLUMNS, 'equipment.runLinks'].map((c) => h('th', null, t(c))))), tbody),
    h('p', null, more, ' ', h('a', { href: runsLink(e.id), 'data-link': 'all-runs' }, t('equipment.allRuns'))));
}
