import type { BucketSample } from './compute.js';
import type { Envelope } from './model.js';
import { bucketAt } from './store.js';

/** How a run's parameter kept to an envelope, over the buckets both hold. */
export interface Deviation {
  parameter: string;
  /** Buckets of the run that the envelope has a band for. */
  compared: number;
  /** Time in buckets outside the band (bucket count × bucket length). */
  outsideMs: number;
  /** The farthest the run went beyond the band; null when it stayed inside. */
  largest: { offsetMs: number; side: 'low' | 'high'; value: number; bound: number; by: number } | null;
}

/**
 * Compares a run's bucket samples (bucketSamples, laid on the envelope's bucket length from the run's alignment
 * point) with the envelope: sigma envelopes by the bucket mean, minmax envelopes by the bucket's extremes.
 */
export function deviationFrom(envelope: Envelope, parameter: string, samples: BucketSample[]): Deviation {
  let compared = 0;
  let outside = 0;
  let largest: Deviation['largest'] = null;
  const consider = (offsetMs: number, side: 'low' | 'high', value: number, bound: number) => {
    const by = side === 'high' ? value - bound : bound - value;
    if (by <= 0) return false;
    if (!largest || by > largest.by) largest = { offsetMs, side, value, bound, by };
    return true;
  };
  for (const s of samples) {
    const band = bucketAt(envelope, parameter, s.offsetMs);
    if (!band) continue;
    compared++;
    const low = envelope.method === 'sigma' ? s.mean : s.min;
    const high = envelope.method === 'sigma' ? s.mean : s.max;
    const out = [low !== undefined && consider(s.offsetMs, 'low', low, band.low), high !== undefined && consider(s.offsetMs, 'high', high, band.high)];
    if (out.some(Boolean)) outside++;
  }
  return { parameter, compared, outsideMs: outside * envelope.bucketMs, largest };
}
