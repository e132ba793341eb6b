import { fromWallClock, offsetMinutes, wallClock } from '../../common/i18n/format.js';

/**
 * Axis ticks for the report's SVG charts: a few round values on the y axis and round times of the laboratory's
 * clock on the x axis (a reader compares them with the run times the report prints in that zone).
 */

/** 1, 2 or 5 times a power of ten: the smallest such step that gives at most `maxCount` ticks over [min, max]. */
export function valueTicks(min: number, max: number, maxCount = 6): { step: number; ticks: number[] } {
  if (!(max > min)) return { step: 0, ticks: [min] };
  const rough = (max - min) / Math.max(1, maxCount - 1);
  const power = 10 ** Math.floor(Math.log10(rough));
  // A hair of tolerance: 0.7 / 0.1 is 6.999999999999999 in floating point, and 0.7 is still a tick of [0.1, 0.7].
  const first = (s: number) => Math.ceil(min / s - 1e-9);
  const last = (s: number) => Math.floor(max / s + 1e-9);
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => last(s) - first(s) + 1 <= maxCount)!;
  const ticks: number[] = [];
  // Multiples of the step computed from integers, so 0.1 + 0.2 never prints as 0.30000000000000004.
  for (let k = first(step); k <= last(step); k++) ticks.push(Number((k * step).toPrecision(12)));
  return { step, ticks };
}

/** Digits after the point that a step of 1, 2 or 5 times a power of ten needs: 0.5 → 1, 0.05 → 2, 20 → 0. */
export const stepDecimals = (step: number) => (step > 0 ? Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) : 0);

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
/** Steps of the lab's clock; up to 12 h they divide a day, so ticks fall on round wall times. */
const CLOCK_STEPS = [S, 2 * S, 5 * S, 10 * S, 15 * S, 30 * S, M, 2 * M, 5 * M, 10 * M, 15 * M, 30 * M, H, 2 * H, 3 * H, 6 * H, 12 * H];
const DAY_STEPS = [1, 2, 7, 14, 28];

export interface TimeTick { t: number; label: string }

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * At most `maxCount` ticks within [from, to] on round wall-clock times of `timeZone` (whole minutes, hours, local
 * midnights), labelled in that zone: `HH:mm` (`HH:mm:ss` for steps under a minute), with the date `MM-DD` on the
 * first tick and wherever the day changes.
 */
export function timeTicks(from: number, to: number, timeZone: string, maxCount = 6): TimeTick[] {
  const span = Math.max(1, to - from);
  const fits = (step: number) => Math.floor(span / step) + 1 <= maxCount;
  const clockStep = CLOCK_STEPS.find(fits);
  let times: number[];
  if (clockStep !== undefined) {
    // Round in the zone's wall-clock milliseconds, then back to instants with the offset in force there.
    const offset = (t: number) => offsetMinutes(timeZone, t) * M;
    // The instant showing `wall`; none for a wall time a spring-forward skips (02:30 in Berlin on the last Sunday of
    // March): such a tick is left out rather than drawn on another hour. A repeated autumn hour gets its first instant.
    const instant = (wall: number) => {
      const t = wall - offset(wall - offset(wall));
      return t + offset(t) === wall ? t : undefined;
    };
    times = [];
    for (let wall = Math.ceil((from + offset(from)) / clockStep) * clockStep; ; wall += clockStep) {
      const t = instant(wall);
      if (t === undefined) continue;
      if (t > to) break;
      if (t >= from && t > (times.at(-1) ?? -Infinity)) times.push(t);
    }
  } else {
    const days = DAY_STEPS.find((n) => fits(n * D)) ?? Math.ceil(span / D / (maxCount - 1));
    const start = wallClock(from, timeZone);
    const midnight = (i: number) => {
      const d = new Date(Date.UTC(start.year, start.month - 1, start.day + i));
      return fromWallClock(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 0, 0, timeZone);
    };
    // Counted from the first local midnight in the window; calendar days, so a DST day is still one step.
    const first = midnight(0) >= from ? 0 : 1;
    times = [];
    for (let i = first; midnight(i) <= to; i += days) times.push(midnight(i));
  }
  const seconds = clockStep !== undefined && clockStep < M;
  let lastDay = '';
  return times.map((t) => {
    const w = wallClock(t, timeZone);
    const day = `${pad(w.month)}-${pad(w.day)}`;
    const clock = `${pad(w.hour)}:${pad(w.minute)}${seconds ? `:${pad(new Date(t).getUTCSeconds())}` : ''}`;
    const label = clockStep === undefined ? day : day !== lastDay ? `${day} ${clock}` : clock;
    lastDay = day;
    return { t, label };
  });
}
