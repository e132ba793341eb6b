import type { EquipmentProfile } from './equipment-store.js';
import { localDays, localInstant, localParts } from './local-time.js';

export interface RuleViolation { field: string; message: string }

const MIN = 60_000;
const DAY = 86_400_000;

const iso = (t: number) => new Date(t).toISOString();
const hhmmToMinutes = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

/**
 * The equipment's booking rules for one requested slot (pure; issue 6 "rules per equipment").
 * Conflicts with other bookings and maintenance need the database and are checked by the store.
 */
export function checkBookingRules(p: EquipmentProfile, startsAt: number, endsAt: number, now: number): RuleViolation[] {
  const errors: RuleViolation[] = [];
  const minutes = (endsAt - startsAt) / MIN;
  if (!p.bookable) errors.push({ field: 'body.equipmentId', message: `equipment "${p.id}" is not bookable` });
  if (endsAt <= startsAt) return [...errors, { field: 'body.endsAt', message: 'endsAt must be after startsAt' }];
  if (minutes < p.minBookingMin) errors.push({ field: 'body.endsAt', message: `booking is ${minutes} min; "${p.id}" needs at least ${p.minBookingMin} min` });
  if (minutes > p.maxBookingMin) errors.push({ field: 'body.endsAt', message: `booking is ${minutes} min; "${p.id}" allows at most ${p.maxBookingMin} min` });
  if (startsAt < now + p.leadTimeMin * MIN) {
    errors.push({ field: 'body.startsAt', message: `bookings of "${p.id}" must start at least ${p.leadTimeMin} min ahead, at ${iso(now + p.leadTimeMin * MIN)} or later` });
  }
  // Without a horizon a booking in year 9999 holds the slot forever and every free-slot and calendar query meets it.
  const latest = now + p.bookingHorizonDays * DAY;
  if (startsAt > latest) {
    errors.push({ field: 'body.startsAt', message: `bookings of "${p.id}" may start at most ${p.bookingHorizonDays} days ahead (its booking horizon), at ${iso(latest)} at the latest` });
  }
  const wh = p.workingHours;
  // Days are the lab's local days (stored blocks from before time zones existed mean UTC).
  const timeZone = wh?.timeZone ?? 'UTC';
  const start = localParts(startsAt, timeZone);
  // End exactly at midnight still counts as the same day.
  const sameDay = start.dayKey === localParts(endsAt - 1, timeZone).dayKey;
  if (!p.multiDay && !sameDay) errors.push({ field: 'body.endsAt', message: `"${p.id}" does not allow bookings over several days (${timeZone})` });
  if (wh) {
    const from = localInstant(start.dayKey, hhmmToMinutes(wh.from), timeZone);
    const to = localInstant(start.dayKey, hhmmToMinutes(wh.to), timeZone);
    if (!wh.days.includes(start.weekday) || startsAt < from || endsAt > to) {
      errors.push({ field: 'body.startsAt', message: `"${p.id}" can be booked only ${wh.from}-${wh.to} ${timeZone} on days ${wh.days.join(',')} (0 = Sunday)` });
    }
  }
  return errors;
}

export interface Interval { from: number; to: number }

/** Free intervals of `window` once every busy interval is removed, keeping those at least `minMs` long. */
export function freeIntervals(window: Interval, busy: Interval[], minMs: number): Interval[] {
  const sorted = [...busy].sort((a, b) => a.from - b.from);
  const free: Interval[] = [];
  let cursor = window.from;
  for (const b of sorted) {
    if (b.to <= cursor) continue;
    if (b.from >= window.to) break;
    if (b.from > cursor) free.push({ from: cursor, to: Math.min(b.from, window.to) });
    cursor = Math.max(cursor, b.to);
  }
  if (cursor < window.to) free.push({ from: cursor, to: window.to });
  return free.filter((f) => f.to - f.from >= minMs);
}

/** The working-hours intervals inside `window`, on the lab's local days; the whole window without working hours. */
export function workingIntervals(window: Interval, wh: EquipmentProfile['workingHours']): Interval[] {
  if (!wh) return [window];
  const timeZone = wh.timeZone ?? 'UTC';
  const out: Interval[] = [];
  for (const day of localDays(window.from, window.to, timeZone)) {
    // dayKey is the local date at UTC midnight, so its UTC weekday is the local weekday.
    if (!wh.days.includes(new Date(day).getUTCDay())) continue;
    const from = Math.max(window.from, localInstant(day, hhmmToMinutes(wh.from), timeZone));
    const to = Math.min(window.to, localInstant(day, hhmmToMinutes(wh.to), timeZone));
    if (from < to) out.push({ from, to });
  }
  return out;
}
