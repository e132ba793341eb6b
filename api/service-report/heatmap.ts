import { localParts } from '../sharing/local-time.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * Run hours by local weekday (0 = Sunday) and hour of day. Each span is cut at local hour boundaries; the zone's
 * offset is looked up once per UTC hour (cached: a year is 8 760 lookups at most), so half-hour zones and
 * daylight saving are handled without one Intl call per run.
 */
export function heatmap(spans: Iterable<{ from: number; to: number }>, timeZone: string): number[][] {
  const grid = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  const offsets = new Map<number, number>();
  const offsetAt = (utcHour: number) => {
    let o = offsets.get(utcHour);
    if (o === undefined) offsets.set(utcHour, (o = localParts(utcHour * HOUR, timeZone).offsetMs));
    return o;
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
