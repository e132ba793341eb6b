/**
 * Wall-clock time in a laboratory's IANA time zone, through Intl (Node ships full ICU), so working hours
 * and "one day" mean what the lab means, daylight saving included.
 */
const DAY = 86_400_000;
const MIN = 60_000;
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

// One check for every zone setting and field (PILOTHUB_TIME_ZONE, an equipment's working-hours zone).
export { isTimeZone } from '../../common/runtime/time-zone.js';

export interface LocalParts {
  /** The local calendar date as the epoch ms of its UTC midnight: equal for instants on the same local day. */
  dayKey: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  minuteOfDay: number;
  /** Local wall time minus UTC, in ms. */
  offsetMs: number;
}

export function localParts(t: number, timeZone: string): LocalParts {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  const [year, month, day, hour, minute, second] = ['year', 'month', 'day', 'hour', 'minute', 'second'].map((k) => Number(parts[k]));
  const dayKey = Date.UTC(year!, month! - 1, day!);
  const wall = dayKey + ((hour! * 60 + minute!) * 60 + second!) * 1000;
  return { dayKey, weekday: WEEKDAYS[parts.weekday!]!, minuteOfDay: hour! * 60 + minute!, offsetMs: wall - (t - (((t % 1000) + 1000) % 1000)) };
}

/** The instant at which the local day `dayKey` reaches `minutes` past midnight (the later one in a repeated hour). */
export function localInstant(dayKey: number, minutes: number, timeZone: string): number {
  const wall = dayKey + minutes * MIN;
  const first = wall - localParts(wall, timeZone).offsetMs;
  const second = wall - localParts(first, timeZone).offsetMs;
  return second;
}

/** Local days (as dayKeys) that overlap [from, to). */
export function localDays(from: number, to: number, timeZone: string): number[] {
  const days: number[] = [];
  for (let key = localParts(from, timeZone).dayKey; localInstant(key, 0, timeZone) < to; key += DAY) days.push(key);
  return days;
}
