import type { EquipmentProfile } from './equipment-store.js';
import { instant, renderMessage, type MessageVars } from '../errors.js';
import { localDays, localInstant, localParts } from './local-time.js';

/** `message` is the English wording (logs, pure tests); the API words `code` + `vars` in the reader's language. */
export interface RuleViolation { field: string; message: string; code: string; vars: MessageVars }

const violation = (field: string, code: string, vars: MessageVars = {}): RuleViolation => ({ field, code, vars, message: renderMessage('en', 'UTC', { code, vars }) });

const MIN = 60_000;
const DAY = 86_400_000;

const hhmmToMinutes = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

/**
 * The equipment's booking rules for one requested slot (pure; issue 6 "rules per equipment").
 * Conflicts with other bookings and maintenance need the database and are checked by the store.
 */
export function checkBookingRules(p: EquipmentProfile, startsAt: number, endsAt: number, now: number): RuleViolation[] {
  const errors: RuleViolation[] = [];
  const minutes = (endsAt - startsAt) / MIN;
  if (!p.bookable) errors.push(violation('body.equipmentId', 'not_bookable', { equipment: p.id }));
  if (endsAt <= startsAt) return [...errors, violation('body.endsAt', 'ends_before_start')];
  if (minutes < p.minBookingMin) errors.push(violation('body.endsAt', 'booking_too_short', { minutes, equipment: p.id, min: p.minBookingMin }));
  if (minutes > p.maxBookingMin) errors.push(violation('body.endsAt', 'booking_too_long', { minutes, equipment: p.id, max: p.maxBookingMin }));
  if (startsAt < now + p.leadTimeMin * MIN) {
    errors.push(violation('body.startsAt', 'lead_time', { equipment: p.id, minutes: p.leadTimeMin, earliest: instant(now + p.leadTimeMin * MIN) }));
  }
  // Without a horizon a booking in year 9999 holds the slot forever and every free-slot and calendar query meets it.
  const latest = now + p.bookingHorizonDays * DAY;
  if (startsAt > latest) {
    errors.push(violation('body.startsAt', 'booking_horizon', { equipment: p.id, days: p.bookingHorizonDays, latest: instant(latest) }));
  }
  const wh = p.workingHours;
  // Days are the lab's local days (stored blocks from before time zones existed mean UTC).
  const timeZone = wh?.timeZone ?? 'UTC';
  const start = localParts(startsAt, timeZone);
  // End exactly at midnight still counts as the same day.
  const sameDay = start.dayKey === localParts(endsAt - 1, timeZone).dayKey;
  if (!p.multiDay && !sameDay) errors.push(violation('body.endsAt', 'multi_day', { equipment: p.id, zone: timeZone }));
  if (wh) {
    const from = localInstant(start.dayKey, hhmmToMinutes(wh.from), timeZone);
    const to = localInstant(start.dayKey, hhmmToMinutes(wh.to), timeZone);
    if (!wh.days.includes(start.weekday) || startsAt < from || endsAt > to) {
      errors.push(violation('body.startsAt', 'working_hours', { equipment: p.id, from: wh.from, to: wh.to, zone: timeZone, days: wh.days.join(',') }));
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
