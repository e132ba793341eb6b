import { get } from '../api.js';
import { append, h, replace } from '../dom.js';
import { errorBox } from '../form.js';
import { t } from '../i18n.js';
import type { ReportList, ReportSummary, Run, RunList } from '../types.js';
import { reportsByRun } from './run-cells.js';

/** Some runs with their reports, as a list of runs shows them a page at a time. */
export interface RunPage {
  runs: Run[];
  /** The API's `nextBefore`: the next page's `before`, null when no older run is there. */
  next: string | null;
  reports: Map<string, ReportSummary[]>;
  /** Why the page's reports could not be read (the runs are shown without their links). */
  reportsFailed: unknown;
}

/** The reports of just these runs (`runs=`): a page of runs costs its own reports, not the platform's. */
export async function withReports(runs: Run[], next: string | null): Promise<RunPage> {
  const page: RunPage = { runs, next, reports: new Map(), reportsFailed: null };
  if (!runs.length) return page;
  try {
    page.reports = reportsByRun(await get<ReportList>(`/api/v1/reports?${new URLSearchParams({ runs: runs.map((r) => r.id).join(',') })}`));
  } catch (err) {
    page.reportsFailed = err;
  }
  return page;
}

/**
 * One page of runs, newest first: at most `size` of them, older than `before` (the previous page's `next`), of one
 * equipment when `equipment` is given. The API keeps to the runs the viewer may see.
 */
export async function runPage(filter: { equipment?: string }, size: number, before: string | null): Promise<RunPage> {
  const q = new URLSearchParams({ ...(filter.equipment ? { equipment: filter.equipment } : {}), limit: String(size) });
  if (before) q.set('before', before);
  const list = await get<RunList>(`/api/v1/runs?${q}`);
  return withReports(list.items, list.nextBefore ?? null);
}

export type RunRow = (run: Run, reports: ReportSummary[] | undefined) => HTMLTableRowElement;

/**
 * A table body of runs shown a page at a time: `first` at once, each older page appended by the "show older runs"
 * button (`more`, hidden once no older run is there). A page or its reports that could not be read shows in `failure`.
 * Runs in `skip` (shown elsewhere on the page) are left out.
 */
export function pagedRuns(first: RunPage, older: (before: string) => Promise<RunPage>, row: RunRow, skip: ReadonlySet<string> = new Set()) {
  const tbody = h('tbody');
  const failure = h('div', { 'data-role': 'runs-failure' });
  const more = h('button', { type: 'button', class: 'link', 'data-role': 'more-runs' }, t('runs.older'));
  let next: string | null = null;
  const show = (page: RunPage) => {
    append(tbody, page.runs.filter((run) => !skip.has(run.id)).map((run) => row(run, page.reports.get(run.id))));
    next = page.next;
    more.hidden = next === null;
    replace(failure, page.reportsFailed !== null && errorBox(page.reportsFailed));
  };
  more.addEventListener('click', () => {
    if (next === null) return;
    more.disabled = true;
    void older(next).then(show, (err) => replace(failure, errorBox(err))).finally(() => { more.disabled = false; });
  });
  show(first);
  return { tbody, failure, more };
}
