import { openDatabase } from '../api/db/index.js';
import { audit } from '../api/sharing/audit.js';
import { createBooking } from '../api/sharing/bookings-store.js';
import { getEquipment, type EquipmentProfile } from '../api/sharing/equipment-store.js';
import { getUser, type AuthUser } from '../api/sharing/people.js';
import { recordClosedRun } from '../api/sharing/run-tracker.js';
import { DEMO_CUSTOMER } from './setup.js';
import type { PastBooking, PastRun } from './past-runs.js';
import { writeTransaction } from '../common/runtime/sqlite.js';

/** How long before its start a past booking is recorded as made: the demo profiles ask for no lead time. */
const BOOKED_AHEAD_MS = 3_600_000;

/** The equipment profiles the history's runs follow (run condition, close delay), as demo setup left them. */
export function readProfiles(dbFile: string, ids: string[]): Map<string, EquipmentProfile> {
  const db = openDatabase(dbFile);
  try {
    return new Map(ids.map((id) => {
      const profile = getEquipment(db, id);
      if (!profile?.runCondition) throw new Error(`demo history: equipment "${id}" has no run condition; demo setup did not finish`);
      return [id, profile];
    }));
  } finally {
    db.close();
  }
}

/**
 * Records the history's bookings and runs in the API's SQLite store (a second connection beside the API thread's, as
 * the stores allow) with the stores' own functions, so booking rules apply and every write has its audit entry: each
 * booking as its booker made it an hour before it began, each run opened and closed by the run tracker at the times
 * the backfilled data shows. One transaction: the API's no-show sweep never sees a past booking without its runs.
 * A last audit entry at the real time says the demo seeded them.
 */
export function seedPastRecords(options: { dbFile: string; operatorEmail: string; bookings: PastBooking[]; runs: PastRun[]; closeAfterMs: Map<string, number>; now: number }): { bookings: number; runs: number } {
  const db = openDatabase(options.dbFile);
  try {
    const userByEmail = (email: string): AuthUser => {
      const id = db.prepare('SELECT id FROM users WHERE email = ?').pluck().get(email) as string | undefined;
      const user = id ? getUser(db, id) : null;
      if (!user) throw new Error(`demo history: user "${email}" not found`);
      return user;
    };
    const people = { customer: userByEmail(DEMO_CUSTOMER.email), operator: userByEmail(options.operatorEmail) };
    return writeTransaction(db, () => {
      const ids = new Map<PastBooking, { id: string; org_id: string; user_id: string; recipe: string | null }>();
      for (const b of options.bookings) {
        const profile = getEquipment(db, b.equipmentId);
        if (!profile) throw new Error(`demo history: equipment "${b.equipmentId}" not registered`);
        const row = createBooking(db, people[b.by], profile, { startsAt: b.startsAt, endsAt: b.endsAt, purpose: b.purpose }, b.startsAt - BOOKED_AHEAD_MS);
        ids.set(b, row);
      }
      for (const run of options.runs) {
        const booking = ids.get(run.booking)!;
        const closedAt = run.endedAt + (options.closeAfterMs.get(run.booking.equipmentId) ?? 0);
        recordClosedRun(db, run.booking.equipmentId, booking, { startedAt: run.startedAt, endedAt: run.endedAt, closedAt }, getEquipment(db, run.booking.equipmentId)?.requiredQualification ?? null);
      }
      audit(db, null, options.now, { action: 'demo.history', entity: 'demo', entityId: 'history', after: { bookings: options.bookings.length, runs: options.runs.length } });
      return { bookings: options.bookings.length, runs: options.runs.length };
    });
  } finally {
    db.close();
  }
}
