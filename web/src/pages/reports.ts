import { download, get, post } from '../api.js';
import { envelope, TimeChart } from '../chart.js';
import { fmtValue, h, replace } from '../dom.js';
import { errorBox, showFormError } from '../form.js';
import { fmtDate, fmtTime, LANGUAGES, t, term } from '../i18n.js';
import { hashQuery, runsLink } from '../links.js';
import { orgNames } from '../orgs.js';
import { amendPanel } from '../staff/amend-report.js';
import { openRunPanel, runActions } from '../staff/runs.js';
import { reportLinks, RUN_COLUMNS, runCells } from './run-cells.js';
import { pagedRuns, runPage, withReports, type RunPage } from './run-pages.js';
import { isStaff, type AppContext, type HistoryBody, type Page, type ReportContent, type ReportSummary, type Run, type VerifyResult } from '../types.js';

/** Runs the page asks the API for at first, and by each "show older runs". */
const PAGE = 25;

/**
 * Runs (measured use) with their reports, newest first a page at a time; staff can issue a report for a closed run.
 * `#/runs?equipment=…` lists one equipment's runs (linked from its page), `&run=…` marks that run and scrolls to it:
 * when it is older than the first page it is asked for by itself and shown above the list.
 */
export async function runsPage(_params: string[], ctx: AppContext): Promise<Page> {
  const query = hashQuery();
  const equipment = query.get('equipment');
  const marked = query.get('run');
  const filter = equipment ? { equipment } : {};
  const [first, orgs] = await Promise.all([runPage(filter, PAGE, null), orgNames()]);
  const alone = await markedRun(marked, first);
  const row = (run: Run, reports: ReportSummary[] | undefined) => {
    const cell = h('td', null, reportLinks(reports));
    if (isStaff(ctx.me) && run.endedAt !== null) {
      const language = h('select', { name: 'language', 'aria-label': t('runs.reportLanguage') }, h('option', { value: '' }, t('runs.languageDefault')),
        LANGUAGES.map((l) => h('option', { value: l, lang: l }, t(`language.${l}`))));
      // The run's recipe is the report's unless the request states another; it starts as the method's name too.
      const form = h('form', { class: 'inline', novalidate: true }, h('input', { name: 'method', placeholder: t('runs.methodHint'), required: true, value: run.recipe ?? '' }), language, h('button', { type: 'submit' }, t('runs.issue')));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        try {
          const method = (form.elements.namedItem('method') as HTMLInputElement).value;
          const report = await post<ReportSummary>('/api/v1/reports', { runId: run.id, method, ...(language.value ? { language: language.value } : {}) });
          ctx.navigate(`/reports/${encodeURIComponent(report.id)}`);
        } catch (err) {
          showFormError(form, err);
        }
      });
      cell.append(form);
    }
    return h('tr', { 'data-run': run.id, class: run.id === marked ? 'marked' : null },
      h('td', null, run.equipmentId), runCells(run, orgs), cell,
      isStaff(ctx.me) && h('td', null, runActions(run, ctx.reload)));
  };
  const { tbody, failure, more } = pagedRuns(first, (before) => runPage(filter, PAGE, before), row, new Set(alone.runs.map((r) => r.id)));
  const markedBody = alone.runs.length > 0 && h('tbody', { 'data-role': 'marked-run' }, alone.runs.map((run) => row(run, alone.reports.get(run.id))));
  const markedFailure = alone.reportsFailed !== null && errorBox(alone.reportsFailed);
  const scope = equipment && h('p', { 'data-role': 'runs-filter' }, t('runs.ofEquipment', { equipment }), ' ', h('a', { href: runsLink() }, t('runs.allEquipment')));
  const el = h('section', null, h('div', { class: 'page-head' }, h('h1', null, t('nav.runs'))), isStaff(ctx.me) && openRunPanel(ctx.reload), scope, markedFailure, failure,
    first.runs.length || markedBody
      ? [h('table', { 'data-role': 'runs' }, h('thead', null, h('tr', null, ['col.equipment', ...RUN_COLUMNS, 'col.reports'].map((c) => h('th', null, t(c))), isStaff(ctx.me) && h('th', null, t('staff.runs.manage')))), markedBody, tbody), h('p', null, more)]
      : h('p', { class: 'muted empty' }, t('empty.runs')));
  return { el, mounted: () => el.querySelector('tr.marked')?.scrollIntoView({ block: 'center' }) };
}

/**
 * The marked run when the first page does not hold it (an older run), asked for by itself with its reports. A run
 * that cannot be read (gone, or not the viewer's) leaves the page as it is, with the reason in `reportsFailed`.
 */
async function markedRun(id: string | null, first: RunPage): Promise<RunPage> {
  const none: RunPage = { runs: [], next: null, reports: new Map(), reportsFailed: null };
  if (id === null || first.runs.some((r) => r.id === id)) return none;
  try {
    return await withReports([await get<Run>(`/api/v1/runs/${encodeURIComponent(id)}`)], null);
  } catch (err) {
    return { ...none, reportsFailed: err };
  }
}

const fact = (label: string, value: string | HTMLElement) => [h('dt', null, label), h('dd', null, value)];

const num = (v: number | null | undefined) => (v === null || v === undefined ? '—' : fmtValue(v));

/** One report: identity, statistics with verdicts, excursions, charts, downloads and the integrity check. */
export async function reportPage([id]: string[], ctx: AppContext): Promise<Page> {
  const r = await get<ReportContent>(`/api/v1/reports/${encodeURIComponent(id!)}`);
  // The report's links, as every report summary names them: not the whole list of reports to find this one's.
  const base = `/api/v1/reports/${encodeURIComponent(r.id)}`;
  const links = { self: base, html: `${base}/html`, pdf: `${base}/pdf`, csv: `${base}/data.csv`, verify: `${base}/verify` };
  const verifyOut = h('div', { 'data-role': 'verify-result', 'aria-live': 'polite' });
  const verify = async () => {
    replace(verifyOut, h('span', { class: 'muted' }, t('report.verifying')));
    try {
      const v = await get<VerifyResult>(links.verify);
      const d = v.firstDifference;
      replace(verifyOut, v.result === 'match'
        ? h('div', { class: 'ok-box', 'data-result': 'match' }, t('report.match', { count: v.currentPointCount, sha: v.issuedSha256, at: fmtTime(v.checkedAt) }))
        : h('div', { class: 'error-box', 'data-result': 'mismatch' },
          h('strong', null, t('report.mismatch')), t('report.mismatchDetail', { current: v.currentSha256, issued: v.issuedSha256, now: v.currentPointCount, count: v.issuedPointCount }),
          // The instant stays ISO UTC: it names a line of the canonical CSV, which is in UTC.
          d && h('div', null, t('report.firstDifference', { line: d.line, parameter: d.parameter ?? '', at: d.epochMs !== null ? new Date(d.epochMs).toISOString() : '' }),
            h('code', null, d.issued ?? t('report.noneIssued')), t('report.nowLabel'), h('code', null, d.current ?? t('report.gone'))),
          !v.storedDataIntact && h('div', null, t('report.storedCopyBroken'))));
    } catch (err) {
      replace(verifyOut, errorBox(err));
    }
  };
  const dl = (path: string, name: string) => async () => {
    try { await download(path, name); } catch (err) { replace(verifyOut, errorBox(err)); }
  };
  const charts = r.parameters.filter((p) => p.datatype === 'number').map((p) => new TimeChart({ id: p.id, name: p.name, unit: p.unit, boolean: false }, () => undefined));
  const mounted = async () => {
    charts.forEach((c) => c.mount());
    try {
      const q = new URLSearchParams({ parameter: charts.map((c) => c.series.id).join(','), from: new Date(r.run.from).toISOString(), to: new Date(r.run.to).toISOString(), mode: 'plot', maxPoints: '800' });
      const body = charts.length ? await get<HistoryBody>(`/api/v1/equipment/${encodeURIComponent(r.equipment.id)}/history?${q}`) : null;
      if (body?.mode === 'plot') for (const c of charts) c.setData(envelope(body.series.find((s) => s.parameter === c.series.id)?.buckets ?? [], body.bucketMs), r.run.from, r.run.to);
    } catch (err) {
      chartsEl.prepend(errorBox(err));
    }
  };
  const chartsEl = h('div', { class: 'charts' }, charts.map((c) => c.el));
  const e = r.equipment;
  const el = h('section', { class: 'report' },
    h('div', { class: 'page-head' }, h('h1', null, t('report.title', { id: r.id })), h('span', { class: 'muted' }, t(r.previousId ? 'report.versionAmends' : 'report.version', { version: r.version, previous: r.previousId ?? '' })),
      h('button', { onclick: dl(links.pdf, `${r.id}.pdf`), 'data-download': 'pdf' }, t('report.downloadPdf')), h('button', { onclick: dl(links.csv, `${r.id}-data.csv`), 'data-download': 'csv' }, t('report.downloadCsv')),
      h('button', { class: 'primary', id: 'verify', onclick: verify }, t('report.verify'))),
    verifyOut,
    isStaff(ctx.me) && amendPanel(r.id, r.method, (issued) => ctx.navigate(`/reports/${encodeURIComponent(issued)}`)),
    h('div', { class: 'card' }, h('dl', { class: 'facts' },
      fact(t('report.laboratory'), `${r.platform.name}${r.platform.location ? `, ${r.platform.location}` : ''}`),
      fact(t('report.customer'), r.customer?.name ?? '—'),
      fact(t('report.equipment'), t('report.equipmentLine', { name: e.name, make: [e.manufacturer, e.model].filter(Boolean).join(' ') || t('report.notRecorded'), serial: e.serialNumber || '—', firmware: e.firmware || '—' })),
      fact(t('report.calibration'), t('report.calibrationLine', { date: fmtDate(e.calibrationDate), due: fmtDate(e.calibrationDue) })),
      fact(t('report.run'), `${fmtTime(r.run.from)} – ${fmtTime(r.run.to)}`),
      fact(t('report.method'), r.method),
      fact(t('report.issued'), t('report.issuedLine', { at: fmtTime(r.issuedAt), name: r.authorisedBy.name })),
      fact(t('report.data'), h('span', null, t('report.points', { count: r.integrity.pointCount }), ' sha256 ', h('code', { class: 'hash' }, r.integrity.sha256))))),
    h('table', { 'data-role': 'statistics' },
      h('thead', null, h('tr', null, ['parameter', 'unit', 'count', 'min', 'max', 'mean', 'stdDev', 'timeWeighted', 'goodPercent', 'spec', 'verdict'].map((c) => h('th', null, t(`stats.${c}`))))),
      h('tbody', null, r.parameters.map((p) => h('tr', { 'data-parameter': p.id },
        h('td', null, p.name), h('td', null, p.unit), h('td', null, String(p.stats.count)), h('td', null, num(p.stats.min)), h('td', null, num(p.stats.max)),
        h('td', null, num(p.stats.mean)), h('td', null, num(p.stats.stdDev)), h('td', null, num(p.stats.timeWeightedMean)), h('td', null, num(p.stats.goodPercent)),
        h('td', null, p.spec ? `${num(p.spec.low)} … ${num(p.spec.high)}` : '—'), h('td', { class: p.verdict === 'not met' ? 'overdue' : null }, term('verdict', p.verdict.replace(' ', '_'))))))),
    r.parameters.some((p) => p.excursions.length) && h('div', null, h('h3', null, t('report.excursions')), h('ul', null, r.parameters.flatMap((p) => p.excursions.map((x) =>
      h('li', null, t('report.excursionLine', { name: p.name, side: t(`side.${x.side}`), from: fmtTime(x.start), to: fmtTime(x.end), seconds: Math.round(x.durationMs / 1000), peak: fmtValue(x.peak, p.unit) })))))),
    h('h3', null, t('report.charts')), chartsEl,
    h('p', { class: 'muted small' }, t('pdf.statement')));
  return { el, mounted: () => void mounted(), dispose: () => charts.forEach((c) => c.destroy()) };
}
