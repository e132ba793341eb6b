import { localParts } from '../sharing/local-time.js';
import { HOUR_MS as HOUR } from './periods.js';

const DAY = 86_400_000;

/**
 * Run hours by local weekday (0 = Sunday) and hour of day. Each span is cut at local hour boundaries. Intl is slow
 * (tens of µs a call), so the zone's offset is looked up per UTC day, at its start and end: when they agree (every
 * day but the few with a daylight-saving change) it holds all day, otherwise it is looked up per UTC hour.
 */
export function heatmap(spans: Iterable<{ from: number; to: number }>, timeZone: string): number[][] {
  const grid = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  const days = new Map<number, number | null>();
  const hours = new Map<number, number>();
  const offsetAt = (utcHour: number) => {
    const day = Math.floor(utcHour / 24);
    let o = days.get(day);
    if (o === undefined) {
      const first = localParts(day * DAY, timeZone).offsetMs;
      days.set(day, (o = first === localParts((day + 1) * DAY - 1000, timeZone).offsetMs ? first : null));
    }
    if (o !== null) return o;
    let h = hours.get(utcHour);
    if (h === undefined) hours.set(utcHour, (h = localParts(utcHour * HOUR, timeZone).offsetMs));
    return h;
  };
  for (const { from, to } of spans) {
    for (let t = from; t < to;) {
      const utcHour = Math.floor(t / HOUR);
      const local = t + offsetAt(utcHour);
      const end = Math.min(to, (utcHour + 1) * HOUR, t + HOUR - (((local % HOUR) + HOUR) % HOUR));
      const day = Math.floor(local / DAY);
      // 1970-01-01 was a Thursday.
      grid[(((day + 4) % 7) + 7) % 7]![Math.floor((local - day * DAY) / HOUR)]! += (end - t) / HOUR;
      t = end;
    }
  }
  return grid.map((row) => row.map((h) => Math.round(h * 1e4) / 1e4));
}
