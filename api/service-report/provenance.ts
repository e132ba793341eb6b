import type { Db } from '../db/index.js';
import { isInternal } from './figures.js';
import type { ProvenanceRun } from './model.js';
import { runsOf, type Scope } from './sources.js';

const H = 3_600_000;

/**
 * The runs an hours figure sums, each with the part inside the window: summing `hours` (of the external ones, for
 * externalHours) reproduces the figure. Each links to its run, booking, telemetry (history over its window) and the
 * audit trail of its corrections; corrected runs are counted with their corrected times.
 */
export function provenance(db: Db, scope: Scope, kind: 'all' | 'internal' | 'external'): { totalHours: number; items: ProvenanceRun[] } {
  const items = runsOf(db, scope)
    .filter((r) => kind === 'all' || (kind === 'external') !== isInternal(r.org_id))
    .map((r): ProvenanceRun => {
      const from = Math.max(r.started_at, scope.from);
      const to = Math.min(r.ended_at ?? scope.now, scope.to);
      const window = `from=${new Date(r.started_at).toISOString()}&to=${new Date(r.ended_at ?? scope.now).toISOString()}`;
      return {
        runId: r.id, equipmentId: r.equipment_id, orgId: r.org_id, bookingId: r.booking_id, external: !isInternal(r.org_id),
        startedAt: r.started_at, endedAt: r.ended_at, from, to: Math.max(from, to), hours: Math.max(0, to - from) / H, corrected: r.corrected === 1,
        links: {
          run: `/api/v1/runs/${encodeURIComponent(r.id)}`,
          booking: r.booking_id ? `/api/v1/bookings/${encodeURIComponent(r.booking_id)}` : null,
          telemetry: `/api/v1/equipment/${encodeURIComponent(r.equipment_id)}/history?${window}`,
          audit: `/api/v1/audit?entity=run&entityId=${encodeURIComponent(r.id)}`,
        },
      };
    });
  return { totalHours: Math.round(items.reduce((s, r) => s + r.hours, 0) * 1e4) / 1e4, items };
}
