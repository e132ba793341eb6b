import type { Db } from '../db/index.js';
import { OPERATOR_ORG_ID } from '../sharing/people.js';
import { billedMinutes, round2 as money } from '../sharing/usage.js';
import { heatmap } from './heatmap.js';
import type { EquipmentFigures, OrgFigures, Period, ServiceReport, ServiceSettings, TotalFigures, ValueBand } from './model.js';
import { HOUR_MS as H, hours, overlap, periodIndex, periodsOf, union, yearsCovered, type GroupBy, type Span } from './periods.js';
import { bookingsOf, equipmentOf, maintenanceOf, orgNames, outagesOf, reportsOf, runsOf, type EquipmentRecord, type Scope } from './sources.js';

const ratio = (a: number, b: number | null) => (b ? Math.round((a / b) * 1e4) / 1e4 : null);
const HELD = new Set(['approved', 'no_show', 'completed']);

/** Internal use: the operator's own runs, and runs that belong to no organisation. */
export const isInternal = (orgId: string | null) => orgId === null || orgId === OPERATOR_ORG_ID;

export interface ReportRequest {
  from: number; to: number; groupBy: GroupBy; equipment: string[] | null;
  /** Set for a customer: only this organisation's runs and bookings are read, and only its figures answered. */
  org: string | null;
  now: number; timeZone: string; settings: ServiceSettings;
}

interface Acc {
  runs: number; corrected: number; effective: number; external: number; bookedRuns: number; booked: number;
  bookings: number; cancellations: number; noShows: number; incomeInternal: number; incomeExternal: number;
  orgs: Set<string>; reports: number; maintenance: number; offline: number; down: number;
}
const acc = (): Acc => ({
  runs: 0, corrected: 0, effective: 0, external: 0, bookedRuns: 0, booked: 0, bookings: 0, cancellations: 0, noShows: 0,
  incomeInternal: 0, incomeExternal: 0, orgs: new Set(), reports: 0, maintenance: 0, offline: 0, down: 0,
});
interface OrgAcc { runs: number; ms: number; booked: number; bookings: number; cancellations: number; noShows: number; charges: number }

export function valueBand(e: Pick<EquipmentRecord, 'original_value' | 'original_value_currency'>): ValueBand {
  if (e.original_value === null || e.original_value_currency !== 'CNY') return 'unknown';
  return e.original_value >= 10_000_000 ? '>=10000000' : e.original_value >= 500_000 ? '>=500000' : '<500000';
}

/** Every figure of the service report for one window, from one read of each table (docs/service-report.md). */
export function serviceReport(db: Db, req: ReportRequest): ServiceReport {
  const periods = periodsOf(req.from, req.to, req.groupBy, req.timeZone);
  const scope: Scope = { from: req.from, to: req.to, now: req.now, equipment: req.equipment, org: req.org };
  const platform = req.org === null;
  const cells = new Map<string, Acc>();
  const cell = (eq: string, p: number) => {
    const key = `${eq}\u0000${p}`;
    let c = cells.get(key);
    if (!c) cells.set(key, (c = acc()));
    return c;
  };
  const orgCells = new Map<string, OrgAcc & { orgId: string; equipmentId: string | null; period: number; used: Set<string> }>();
  // Operator staff get one row per organisation and period (a park of 200 equipment and 20 customers would give 48 000
  // rows a year per equipment); a customer gets its own figures per equipment.
  const orgCell = (orgId: string, equipmentId: string, p: number) => {
    const eq = platform ? null : equipmentId;
    const key = `${orgId}\u0000${eq}\u0000${p}`;
    let c = orgCells.get(key);
    if (!c) orgCells.set(key, (c = { orgId, equipmentId: eq, period: p, used: new Set(), runs: 0, ms: 0, booked: 0, bookings: 0, cancellations: 0, noShows: 0, charges: 0 }));
    return c;
  };
  // Platform scope lists customer organisations; a customer's scope is its own organisation only.
  const tracked = (orgId: string | null): orgId is string => (platform ? !isInternal(orgId) : orgId === req.org);
  const each = (from: number, to: number, fn: (ms: number, p: number) => void) => {
    periods.forEach((period, p) => {
      const ms = overlap(from, to, period.from, period.to);
      if (ms > 0) fn(ms, p);
    });
  };

  const spans: { from: number; to: number }[] = [];
  for (const r of runsOf(db, scope)) {
    const end = r.ended_at ?? req.now;
    spans.push({ from: Math.max(r.started_at, req.from), to: Math.min(end, req.to) });
    each(r.started_at, end, (ms, p) => {
      const c = cell(r.equipment_id, p);
      c.runs += 1;
      c.corrected += r.corrected;
      c.effective += ms;
      if (!isInternal(r.org_id)) { c.external += ms; c.orgs.add(r.org_id!); }
      if (r.booking_id) c.bookedRuns += ms;
      if (tracked(r.org_id)) { const o = orgCell(r.org_id, r.equipment_id, p); o.runs += 1; o.ms += ms; o.used.add(r.equipment_id); }
    });
  }
  for (const b of bookingsOf(db, scope)) {
    const held = HELD.has(b.status);
    if (held) {
      each(b.starts_at, b.ends_at, (ms, p) => {
        cell(b.equipment_id, p).booked += ms;
        if (tracked(b.org_id)) orgCell(b.org_id, b.equipment_id, p).booked += ms;
      });
    }
    // Counts and income belong to the period the booking starts in, as usage billing attributes them to its month.
    const p = periodIndex(periods, b.starts_at);
    if (p < 0) continue;
    const c = cell(b.equipment_id, p);
    const o = tracked(b.org_id) ? orgCell(b.org_id, b.equipment_id, p) : null;
    if (b.status === 'cancelled') { c.cancellations += 1; if (o) o.cancellations += 1; }
    if (b.status === 'no_show') { c.noShows += 1; if (o) o.noShows += 1; }
    if (!held) continue;
    c.bookings += 1;
    if (o) o.bookings += 1;
    const internal = isInternal(b.org_id);
    const amount = (billedMinutes(b.billing_policy, (b.ends_at - b.starts_at) / 60_000, b.used_ms / 60_000) / 60) * (internal ? b.rate_internal : b.rate_external);
    if (internal) c.incomeInternal += amount; else c.incomeExternal += amount;
    if (o) o.charges += amount;
  }

  const names = orgNames(db);
  const organisations: OrgFigures[] = [...orgCells.values()]
    .sort((a, b) => a.orgId.localeCompare(b.orgId) || a.period - b.period || (a.equipmentId ?? '').localeCompare(b.equipmentId ?? ''))
    .map((o) => ({
      orgId: o.orgId, orgName: names.get(o.orgId) ?? o.orgId, period: periods[o.period]!.key, equipmentId: o.equipmentId, equipmentUsed: o.used.size, runs: o.runs,
      hours: hours(o.ms), bookedHours: hours(o.booked), bookings: o.bookings, cancellations: o.cancellations, noShows: o.noShows, charges: money(o.charges),
    }));
  const base = {
    org: req.org, from: req.from, to: req.to, timeZone: req.timeZone, groupBy: req.groupBy, generatedAt: req.now, settings: req.settings,
    periods, organisations, heatmap: heatmap(spans, req.timeZone),
  };
  const links = (q: string) => ({ runs: `/api/v1/service-report/runs?${q}` });
  const query = new URLSearchParams({ from: new Date(req.from).toISOString(), to: new Date(req.to).toISOString(), ...(req.equipment ? { equipment: req.equipment.join(',') } : {}) }).toString();
  if (!platform) return { ...base, scope: 'organisation', equipment: [], totals: [], links: links(query) };

  // Overlapping maintenance windows, and outages during maintenance, are one stretch of downtime: each is summed as
  // the union of its spans per equipment, and availability subtracts the union of both.
  const downtime = new Map<string, { maintenance: Span[]; offline: Span[] }>();
  const downOf = (eq: string) => {
    let d = downtime.get(eq);
    if (!d) downtime.set(eq, (d = { maintenance: [], offline: [] }));
    return d;
  };
  for (const m of maintenanceOf(db, scope)) downOf(m.equipment_id).maintenance.push({ from: m.starts_at, to: m.ends_at });
  for (const g of outagesOf(db, scope)) downOf(g.equipment_id).offline.push({ from: g.starts_at, to: g.ends_at });
  for (const [eq, d] of downtime) {
    const maintenance = union(d.maintenance);
    const offline = union(d.offline);
    for (const x of maintenance) each(x.from, x.to, (ms, p) => { cell(eq, p).maintenance += ms; });
    for (const x of offline) each(x.from, x.to, (ms, p) => { cell(eq, p).offline += ms; });
    for (const x of union([...maintenance, ...offline])) each(x.from, x.to, (ms, p) => { cell(eq, p).down += ms; });
  }
  for (const r of reportsOf(db, scope)) {
    const p = periodIndex(periods, r.issued_at);
    if (p >= 0) cell(r.equipment_id, p).reports += 1;
  }
  // A period's share of its year is the same for every equipment: computed once (Intl is slow).
  const years = periods.map((p) => yearsCovered(p.from, p.to, req.timeZone));
  const equipment = equipmentOf(db, scope).flatMap((e) => periods.map((period, p) => figures(e, period, years[p]!, cells.get(`${e.id}\u0000${p}`) ?? acc(), req)));
  return { ...base, scope: 'platform', equipment, totals: totals(periods, equipment), links: links(query) };
}

function figures(e: EquipmentRecord, period: Period, years: number, c: Acc, req: ReportRequest): EquipmentFigures {
  const span = period.to - period.from;
  const norm = (e.yearly_hours_norm ?? req.settings.hoursNorm) * years;
  const incomeInternal = money(c.incomeInternal);
  const incomeExternal = money(c.incomeExternal);
  return {
    equipmentId: e.id, name: e.name, period: period.key, runs: c.runs, correctedRuns: c.corrected,
    effectiveHours: hours(c.effective), internalHours: hours(c.effective - c.external), externalHours: hours(c.external),
    sharingRate: ratio(c.external, c.effective), bookedHours: hours(c.booked), bookings: c.bookings, cancellations: c.cancellations,
    noShows: c.noShows, measuredToBooked: ratio(c.bookedRuns, c.booked), incomeInternal, incomeExternal,
    originalValue: e.original_value, currency: e.original_value_currency, valueBand: valueBand(e),
    // Income is in the billing currency: no exchange rate is assumed, so a value in another currency has no yield.
    yield: e.original_value_currency === req.settings.currency ? ratio(incomeInternal + incomeExternal * req.settings.externalWeight, e.original_value) : null,
    orgsServed: c.orgs.size, orgsServedList: [...c.orgs].sort(), reportsIssued: c.reports,
    maintenanceHours: hours(c.maintenance), offlineHours: hours(c.offline),
    availability: ratio(span - c.down, span),
    hoursNorm: Math.round(norm * 100) / 100, meetsNorm: c.effective / H >= norm,
  };
}

const BANDS: { band: TotalFigures['band']; holds: (b: ValueBand) => boolean }[] = [
  { band: 'all', holds: () => true },
  { band: '>=500000', holds: (b) => b === '>=500000' || b === '>=10000000' },
  { band: '>=10000000', holds: (b) => b === '>=10000000' },
];

/** Platform totals per period, for all equipment and per value band, with averages per equipment. */
function totals(periods: Period[], rows: EquipmentFigures[]): TotalFigures[] {
  return periods.flatMap((period) => BANDS.map(({ band, holds }) => {
    const of = rows.filter((r) => r.period === period.key && holds(r.valueBand));
    const sum = (f: (r: EquipmentFigures) => number) => of.reduce((s, r) => s + f(r), 0);
    const effective = sum((r) => r.effectiveHours);
    const external = sum((r) => r.externalHours);
    const n = of.length;
    return {
      period: period.key, band, equipment: n, effectiveHours: hours(effective * H), internalHours: hours((effective - external) * H), externalHours: hours(external * H),
      sharingRate: ratio(external, effective), averageEffectiveHours: n ? hours((effective / n) * H) : null, averageExternalHours: n ? hours((external / n) * H) : null,
      bookedHours: hours(sum((r) => r.bookedHours) * H), bookings: sum((r) => r.bookings), cancellations: sum((r) => r.cancellations), noShows: sum((r) => r.noShows),
      incomeInternal: money(sum((r) => r.incomeInternal)), incomeExternal: money(sum((r) => r.incomeExternal)),
      orgsServed: new Set(of.flatMap((r) => r.orgsServedList)).size, reportsIssued: sum((r) => r.reportsIssued), meetingNorm: of.filter((r) => r.meetsNorm).length,
    };
  }));
}
