export const DAY = 86_400_000;
export const HOUR = 3_600_000;

/** Monday 00:00 UTC of next week: slots a test books there lie in the future and on one calendar page. */
export function nextWeekMonday(now = Date.now()): number {
  const d = new Date(now);
  const monday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - ((d.getUTCDay() + 6) % 7) * DAY;
  return monday + 7 * DAY;
}
