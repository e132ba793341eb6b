import { h } from '../dom.js';
import { fmtTime, t } from '../i18n.js';
import type { ReportList, ReportSummary, Run } from '../types.js';

/**
 * The cells each list of runs shows alike (the runs page, the equipment page's runs): organisation, recipe, start,
 * end (or the open badge) with the run's note. Their headers are RUN_COLUMNS, in the same order. A list with other
 * columns around them (the compare page) takes the first three from `leadingRunCells`.
 */
export const RUN_COLUMNS = ['col.organisation', 'col.recipe', 'col.started', 'col.ended'];

/** Organisation (its name; '—' for none), recipe and start, in RUN_COLUMNS' order. */
export const leadingRunCells = (run: Run, orgs: Map<string, string>): HTMLTableCellElement[] => [
  h('td', { 'data-role': 'organisation' }, run.orgId ? orgs.get(run.orgId) ?? run.orgId : '—'),
  h('td', { 'data-role': 'recipe' }, run.recipe ?? '—'),
  h('td', { 'data-role': 'started' }, fmtTime(run.startedAt)),
];

export function runCells(run: Run, orgs: Map<string, string>): HTMLTableCellElement[] {
  return [
    ...leadingRunCells(run, orgs),
    h('td', { 'data-role': 'ended' }, run.endedAt === null ? h('span', { class: 'badge status-running', 'data-role': 'open' }, t('runs.open')) : fmtTime(run.endedAt),
      run.note && h('div', { class: 'muted small', 'data-role': 'note' }, run.note)),
  ];
}

/** Reports by the run they cover, each run's in the order the API lists them. */
export function reportsByRun(list: ReportList): Map<string, ReportSummary[]> {
  const byRun = new Map<string, ReportSummary[]>();
  for (const r of list.items) byRun.set(r.runId, [...(byRun.get(r.runId) ?? []), r]);
  return byRun;
}

export const reportLinks = (reports: ReportSummary[] | undefined) =>
  (reports ?? []).map((r) => h('a', { href: `#/reports/${encodeURIComponent(r.id)}`, class: 'report-link' }, t('runs.reportLink', { id: r.id, version: r.version })));
