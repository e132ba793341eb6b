import type { Reading, ReadingValue } from '../common/contracts/index.js';
import { evaluateCondition, parseCondition, type Node } from '../api/sharing/condition.js';

export interface PastBooking {
  equipmentId: string;
  /** customer: the demo customer's; operator: the first admin's, an internal booking. */
  by: 'customer' | 'operator';
  startsAt: number;
  endsAt: number;
  purpose: string;
}

export interface PastRun { booking: PastBooking; startedAt: number; endedAt: number }

const MIN = 60_000;

/**
 * The bookings of the demo's history, placed as fractions of its window [from, to) so a shorter window (tests) keeps
 * the same story: the customer's two dryer trials, internal extruder trials and a shift of reactor batches. Whole
 * minutes, 15 min at least (the demo profiles' shortest booking), and all ended an hour's share before `to`.
 */
export function demoPastBookings(from: number, to: number): PastBooking[] {
  const span = to - from;
  const at = (fraction: number) => from + Math.round((fraction * span) / MIN) * MIN;
  const slot = (equipmentId: string, by: PastBooking['by'], start: number, end: number, purpose: string): PastBooking => {
    const startsAt = at(start);
    return { equipmentId, by, startsAt, endsAt: Math.max(at(end), startsAt + 15 * MIN), purpose };
  };
  return [
    slot('dryer-1', 'customer', 0.1, 0.18, '陶瓷浆料喷雾干燥试验 Spray-drying trials of a ceramic slurry, series A'),
    slot('reactor-1', 'operator', 0.3, 0.47, 'Scale-up batches of the resin recipe (internal)'),
    slot('extruder-1', 'operator', 0.52, 0.6, 'PP compounding trial, screw profile B (internal)'),
    slot('dryer-1', 'customer', 0.72, 0.8, '陶瓷浆料喷雾干燥试验 Spray-drying trials of a ceramic slurry, series B'),
  ];
}

/**
 * The runs the run tracker (api/sharing/run-tracker.ts) would have recorded over the history: within a booking a run
 * opens when the run condition becomes true (at the booking's start if it already holds) and closes once it has been
 * false for `closeAfterMs`, ending when it turned false; a run still going when its booking ends runs on until its
 * condition ends (the booking's overage). Fed with the readings in time order.
 */
export class PastRunTracker {
  readonly runs: PastRun[] = [];
  private readonly values = new Map<string, ReadingValue | null>();
  private readonly condition: Node;
  private open: { booking: PastBooking; startedAt: number } | undefined;
  private falseSince: number | undefined;

  constructor(runCondition: string, private readonly closeAfterMs: number, private readonly bookings: PastBooking[]) {
    this.condition = parseCondition(runCondition);
  }

  /** The readings of one instant, then the condition evaluated on the newest values as the tracker does. */
  update(t: number, readings: readonly Reading[]): void {
    for (const r of readings) this.values.set(r.p, r.v);
    const on = evaluateCondition(this.condition, (id) => this.values.get(id));
    if (on) {
      this.falseSince = undefined;
      if (this.open) return;
      const booking = this.bookings.find((b) => b.startsAt <= t && b.endsAt > t);
      if (booking) this.open = { booking, startedAt: t };
      return;
    }
    if (!this.open) return;
    if (this.falseSince === undefined) this.falseSince = t;
    else if (t - this.falseSince >= this.closeAfterMs) {
      this.runs.push({ ...this.open, endedAt: Math.max(this.falseSince, this.open.startedAt) });
      this.open = undefined;
      this.falseSince = undefined;
    }
  }
}
