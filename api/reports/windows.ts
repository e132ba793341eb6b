/**
 * A half-open time range [from, to) in epoch ms: `from` is inside, `to` is the first instant after it. Runs of one
 * piece of equipment may touch (one ends at the instant the next begins), so a reading stored at that instant
 * must belong to one of them only: the later one (issue #12).
 */
export interface TimeRange { from: number; to: number }

/**
 * The parts of [from, to) a caller may see, given the tenancy windows (null = unrestricted), sorted and
 * merged so overlapping or touching runs do not read (and count) the same points twice.
 */
export function clipToWindows(from: number, to: number, windows: TimeRange[] | null): TimeRange[] {
  if (windows === null) return [{ from, to }];
  const clipped = windows
    .map((w) => ({ from: Math.max(from, w.from), to: Math.min(to, w.to) }))
    .filter((w) => w.from < w.to)
    .sort((a, b) => a.from - b.from);
  const merged: TimeRange[] = [];
  for (const w of clipped) {
    const last = merged.at(-1);
    if (last && w.from <= last.to) last.to = Math.max(last.to, w.to);
    else merged.push({ ...w });
  }
  return merged;
}
