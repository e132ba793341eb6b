import type { Db } from '../db/index.js';
import { isInternal } from './figures.js';
import type { ProvenanceRun } from './model.js';
import { HOUR_MS as H, hours } from './periods.js';
import { runsOf, type RunRecord, type Scope } from './sources.js';

/**
 * The runs an hours figure sums, each with the part inside the window: summing `hours` (of the external ones, for
 * externalHours) reproduces the figure. Each links to its run, booking, telemetry (history over its window) and the
 * audit trail of its corrections; corrected runs are counted with their corrected times. One page of `limit` runs
 * from `offset` is answered; totalHours and total are over every matching run, so each page states the figure.
 */
export function provenance(db: Db, scope: Scope, kind: 'all' | 'internal' | 'external', page: { offset: number; limit: number }) {
  const runs = runsOf(db, scope).filter((r) => kind === 'all' || (kind === 'external') !== isInternal(r.org_id));
  const clip = (r: RunRecord) => {
    const from = Math.max(r.started_at, scope.from);
    return { from, to: Math.max(from, Math.min(r.ended_at ?? scope.now, scope.to)) };
  };
  const totalMs = runs.reduce((sum, r) => { const c = clip(r); return sum + c.to - c.from; }, 0);
  const items = runs.slice(page.offset, page.offset + page.limit).map((r): ProvenanceRun => {
    const { from, to } = clip(r);
    const window = `from=${new Date(r.started_at).toISOString()}&to=${new Date(r.ended_at ?? scope.now).toISOString()}`;
    return {
      runId: r.id, equipmentId: r.equipment_id, orgId: r.org_id, bookingId: r.booking_id, external: !isInternal(r.org_id),
      startedAt: r.started_at, endedAt: r.ended_at, from, to, hours: (to - from) / H, corrected: r.corrected === 1,
      links: {
        run: `/api/v1/runs/${encodeURIComponent(r.id)}`,
        booking: r.booking_id ? `/api/v1/bookings/${encodeURIComponent(r.booking_id)}` : null,
        telemetry: `/api/v1/equipment/${encodeURIComponent(r.equipment_id)}/history?${window}`,
        audit: `/api/v1/audit?entity=run&entityId=${encodeURIComponent(r.id)}`,
      },
    };
  });
  const next = page.offset + page.limit < runs.length ? page.offset + page.limit : null;
  return { totalHours: hours(totalMs), total: runs.length, offset: page.offset, limit: page.limit, next, items };
}
