import { download, get, post } from '../api.js';
import { envelope, TimeChart } from '../chart.js';
import { fmtTime, fmtValue, h, replace } from '../dom.js';
import { errorBox, showFormError } from '../form.js';
import { orgNames } from '../orgs.js';
import { isStaff, type AppContext, type HistoryBody, type Page, type ReportContent, type ReportList, type ReportSummary, type RunList, type VerifyResult } from '../types.js';

/** Runs (measured use) with their reports; staff can issue a report for a closed run. */
export async function runsPage(_params: string[], ctx: AppContext): Promise<Page> {
  const [runs, reports, orgs] = await Promise.all([get<RunList>('/api/v1/runs'), get<ReportList>('/api/v1/reports'), orgNames()]);
  const byRun = new Map<string, ReportSummary[]>();
  for (const r of reports.items) byRun.set(r.runId, [...(byRun.get(r.runId) ?? []), r]);
  const rows = runs.items.map((run) => {
    const cell = h('td', null, (byRun.get(run.id) ?? []).map((r) => h('a', { href: `#/reports/${encodeURIComponent(r.id)}`, class: 'report-link' }, `${r.id} v${r.version}`)));
    if (isStaff(ctx.me) && run.endedAt !== null) {
      const form = h('form', { class: 'inline', novalidate: true }, h('input', { name: 'method', placeholder: 'method / recipe', required: true }), h('button', { type: 'submit' }, 'Issue report'));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        try {
          const report = await post<ReportSummary>('/api/v1/reports', { runId: run.id, method: (form.elements.namedItem('method') as HTMLInputElement).value });
          ctx.navigate(`/reports/${encodeURIComponent(report.id)}`);
        } catch (err) {
          showFormError(form, err);
        }
      });
      cell.append(form);
    }
    return h('tr', { 'data-run': run.id },
      h('td', null, run.equipmentId), h('td', null, run.orgId ? orgs.get(run.orgId) ?? run.orgId : '—'), h('td', null, fmtTime(run.startedAt)),
      h('td', null, run.endedAt === null ? h('span', { class: 'badge status-running' }, 'open') : fmtTime(run.endedAt)), cell);
  });
  return {
    el: h('section', null, h('div', { class: 'page-head' }, h('h1', null, 'Runs & reports')),
      rows.length ? h('table', { 'data-role': 'runs' }, h('thead', null, h('tr', null, ['Equipment', 'Organisation', 'Started', 'Ended', 'Reports'].map((c) => h('th', null, c)))), h('tbody', null, rows))
        : h('p', { class: 'muted' }, 'No runs yet.')),
  };
}

const fact = (label: string, value: string | HTMLElement) => [h('dt', null, label), h('dd', null, value)];

const num = (v: number | null | undefined) => (v === null || v === undefined ? '—' : fmtValue(v));

/** One report: identity, statistics with verdicts, excursions, charts, downloads and the integrity check. */
export async function reportPage([id]: string[], _ctx: AppContext): Promise<Page> {
  const [r, summary] = await Promise.all([
    get<ReportContent>(`/api/v1/reports/${encodeURIComponent(id!)}`),
    get<ReportList>(`/api/v1/reports`).then((l) => l.items.find((x) => x.id === id)),
  ]);
  const base = `/api/v1/reports/${encodeURIComponent(r.id)}`;
  const links = summary?.links ?? { self: base, html: `${base}/html`, pdf: `${base}/pdf`, csv: `${base}/data.csv`, verify: `${base}/verify` };
  const verifyOut = h('div', { 'data-role': 'verify-result', 'aria-live': 'polite' });
  const verify = async () => {
    replace(verifyOut, h('span', { class: 'muted' }, 'Re-reading the run from InfluxDB…'));
    try {
      const v = await get<VerifyResult>(links.verify);
      const d = v.firstDifference;
      replace(verifyOut, v.result === 'match'
        ? h('div', { class: 'ok-box', 'data-result': 'match' }, `Match: the ${v.currentPointCount} points in InfluxDB still hash to ${v.issuedSha256} (checked ${fmtTime(v.checkedAt)}).`)
        : h('div', { class: 'error-box', 'data-result': 'mismatch' },
          h('strong', null, 'Mismatch: '), `the data now hashes to ${v.currentSha256}, not ${v.issuedSha256} (${v.currentPointCount} points now, ${v.issuedPointCount} issued).`,
          d && h('div', null, `First difference at line ${d.line}${d.parameter ? `, ${d.parameter}` : ''}${d.epochMs !== null ? ` at ${new Date(d.epochMs).toISOString()}` : ''}: issued `,
            h('code', null, d.issued ?? '(none)'), ', now ', h('code', null, d.current ?? '(gone)')),
          !v.storedDataIntact && h('div', null, "The report's own stored copy of the data no longer matches its hash either.")));
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
    h('div', { class: 'page-head' }, h('h1', null, r.title), h('span', { class: 'muted' }, `version ${r.version}${r.previousId ? `, amends ${r.previousId}` : ''}`),
      h('button', { onclick: dl(links.pdf, `${r.id}.pdf`), 'data-download': 'pdf' }, 'Download PDF'), h('button', { onclick: dl(links.csv, `${r.id}-data.csv`), 'data-download': 'csv' }, 'Download CSV'),
      h('button', { class: 'primary', id: 'verify', onclick: verify }, 'Verify data')),
    verifyOut,
    h('div', { class: 'card' }, h('dl', { class: 'facts' },
      fact('Laboratory', `${r.platform.name}${r.platform.location ? `, ${r.platform.location}` : ''}`),
      fact('Customer', r.customer?.name ?? '—'),
      fact('Equipment', `${e.name} — ${[e.manufacturer, e.model].filter(Boolean).join(' ') || 'make not recorded'}, s/n ${e.serialNumber || '—'}, firmware ${e.firmware || '—'}`),
      fact('Calibration', `${e.calibrationDate ? new Date(e.calibrationDate).toLocaleDateString() : '—'}, due ${e.calibrationDue ? new Date(e.calibrationDue).toLocaleDateString() : '—'}`),
      fact('Run', `${fmtTime(r.run.from)} – ${fmtTime(r.run.to)}`),
      fact('Method', r.method),
      fact('Issued', `${fmtTime(r.issuedAt)} by ${r.authorisedBy.name}`),
      fact('Data', h('span', null, `${r.integrity.pointCount} points, sha256 `, h('code', { class: 'hash' }, r.integrity.sha256))))),
    h('table', { 'data-role': 'statistics' },
      h('thead', null, h('tr', null, ['Parameter', 'Unit', 'Count', 'Min', 'Max', 'Mean', 'Std dev', 'Time-weighted', 'Good %', 'Spec', 'Verdict'].map((c) => h('th', null, c)))),
      h('tbody', null, r.parameters.map((p) => h('tr', { 'data-parameter': p.id },
        h('td', null, p.name), h('td', null, p.unit), h('td', null, String(p.stats.count)), h('td', null, num(p.stats.min)), h('td', null, num(p.stats.max)),
        h('td', null, num(p.stats.mean)), h('td', null, num(p.stats.stdDev)), h('td', null, num(p.stats.timeWeightedMean)), h('td', null, num(p.stats.goodPercent)),
        h('td', null, p.spec ? `${num(p.spec.low)} … ${num(p.spec.high)}` : '—'), h('td', { class: p.verdict === 'not met' ? 'overdue' : null }, p.verdict))))),
    r.parameters.some((p) => p.excursions.length) && h('div', null, h('h3', null, 'Excursions'), h('ul', null, r.parameters.flatMap((p) => p.excursions.map((x) =>
      h('li', null, `${p.name}: ${x.side} ${fmtTime(x.start)} – ${fmtTime(x.end)} (${Math.round(x.durationMs / 1000)} s), peak ${fmtValue(x.peak, p.unit)}`))))),
    h('h3', null, 'Charts'), chartsEl,
    h('p', { class: 'muted small' }, r.statement));
  return { el, mounted: () => void mounted(), dispose: () => charts.forEach((c) => c.destroy()) };
}
