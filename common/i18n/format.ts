import type { Language } from './index.js';

/**
 * Times a person reads, in the laboratory's time zone (PILOTHUB_TIME_ZONE), formatted by Intl for the reader's
 * language. Machine-readable exports keep epoch ms and ISO UTC instead. No Node import: web code uses this too.
 */
const cache = new Map<string, Intl.DateTimeFormat>();
function formatter(lang: Language, timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${lang}|${timeZone}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) cache.set(key, (f = new Intl.DateTimeFormat(lang, { timeZone, ...options })));
  return f;
}

const DATE_TIME: Intl.DateTimeFormatOptions = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
const DATE_TIME_SECONDS: Intl.DateTimeFormatOptions = { ...DATE_TIME, second: '2-digit' };
const DATE: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'numeric', day: 'numeric' };
// Kept like the others: a new formatter per offset was most of a report chart's time (its ticks ask for dozens).
const LONG_OFFSET: Intl.DateTimeFormatOptions = { timeZoneName: 'longOffset' };

export const formatDateTime = (t: number, lang: Language, timeZone: string, seconds = false) =>
  formatter(lang, timeZone, seconds ? DATE_TIME_SECONDS : DATE_TIME).format(t);
export const formatDate = (t: number, lang: Language, timeZone: string) => formatter(lang, timeZone, DATE).format(t);
export const formatWith = (t: number, lang: Language, timeZone: string, options: Intl.DateTimeFormatOptions) => formatter(lang, timeZone, options).format(t);

/** The zone's offset from UTC at instant `t`, as "UTC+08:00" (Intl's longOffset gives "GMT+08:00", or "GMT" for zero). */
export function utcOffset(timeZone: string, t: number): string {
  const part = formatter('en', timeZone, LONG_OFFSET).formatToParts(t).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  return part === 'GMT' ? 'UTC+00:00' : part.replace('GMT', 'UTC');
}

/** Offset in minutes of `timeZone` at instant `t` (positive east of Greenwich). */
export function offsetMinutes(timeZone: string, t: number): number {
  const m = /UTC([+-])(\d{2}):(\d{2})/.exec(utcOffset(timeZone, t));
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** Wall-clock fields of instant `t` in `timeZone`. */
export function wallClock(t: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; weekday: number } {
  const d = new Date(t + offsetMinutes(timeZone, t) * 60_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), weekday: d.getUTCDay() };
}

/** The instant at which `timeZone`'s clock shows the given wall time (two passes settle DST edges). */
export function fromWallClock(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  let t = guess - offsetMinutes(timeZone, guess) * 60_000;
  t = guess - offsetMinutes(timeZone, t) * 60_000;
  return t;
}
