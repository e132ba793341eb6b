import type { StoredPoint } from '../../common/influx/layout.js';

/**
 * Statistics of one parameter over a run (issue 7). Definitions, as printed on the report:
 * - count: stored points in the window, any quality; goodPercent: share of them with quality good;
 * - min, max, mean, stdDev (sample, n−1, as InfluxQL stddev()) over numeric values whose quality is not bad;
 * - timeWeightedMean: each such value holds until the parameter's next stored point (of any quality) or the
 *   window end (step hold, as a report-by-exception source means it); time after a bad point is left out.
 */
export interface ParameterStats {
  start: number | null;
  end: number | null;
  count: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  stdDev: number | null;
  timeWeightedMean: number | null;
  goodPercent: number | null;
}

export const usable = (p: StoredPoint): p is StoredPoint & { v: number } => typeof p.v === 'number' && p.q !== 'bad';

export function computeStats(points: StoredPoint[], windowEnd: number): ParameterStats {
  let n = 0; let min = Infinity; let max = -Infinity; let mean = 0; let m2 = 0; let good = 0;
  let weighted = 0; let heldMs = 0;
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (p.q === 'good') good++;
    if (!usable(p)) continue;
    // Welford's update: stable for long runs of large, close values (temperatures around 150 °C).
    n++;
    const delta = p.v - mean;
    mean += delta / n;
    m2 += delta * (p.v - mean);
    if (p.v < min) min = p.v;
    if (p.v > max) max = p.v;
    const until = Math.max(p.t, points[i + 1]?.t ?? windowEnd);
    weighted += p.v * (until - p.t);
    heldMs += until - p.t;
  }
  const lastUsable = n > 0 ? [...points].reverse().find(usable) : undefined;
  return {
    start: points[0]?.t ?? null,
    end: points.at(-1)?.t ?? null,
    count: points.length,
    min: n ? min : null,
    max: n ? max : null,
    mean: n ? mean : null,
    stdDev: n > 1 ? Math.sqrt(m2 / (n - 1)) : null,
    // A run whose only usable sample sits at its end holds that value for zero time: it is still the level.
    timeWeightedMean: heldMs > 0 ? weighted / heldMs : lastUsable ? lastUsable.v : null,
    goodPercent: points.length ? (100 * good) / points.length : null,
  };
}
