import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoredPoint } from '../common/influx/layout.js';
import { canonicalChunk, canonicalJoin } from '../api/reports/canonical.js';

/** The serialisation as README "Verification reports and data integrity" defines it, written the obvious way. */
function expectedLine(parameter: string, p: StoredPoint): string {
  const value = p.v === null ? '' : typeof p.v === 'string' ? `"${p.v.replace(/"/g, '""')}"` : String(p.v);
  return `${parameter},${p.t},${value},${p.q}\n`;
}

const tricky: StoredPoint[] = [
  { t: 0, v: 0, q: 'good' },
  { t: 9, v: -0.5, q: 'good' },
  { t: 10, v: 1e21, q: 'uncertain' },
  { t: 99, v: 1.5e-7, q: 'good' },
  { t: 1_767_225_600_000, v: 150.25, q: 'good' },
  { t: 1_767_225_600_001, v: 0.1 + 0.2, q: 'good' },
  { t: 1_767_225_600_002, v: -123456789.123, q: 'good' },
  { t: 1_767_225_600_003, v: Number.MAX_SAFE_INTEGER, q: 'good' },
  { t: 1_767_225_600_004, v: true, q: 'good' },
  { t: 1_767_225_600_005, v: false, q: 'uncertain' },
  { t: 1_767_225_600_006, v: null, q: 'bad' },
  { t: 1_767_225_600_007, v: 'RUN "auto", stage 2', q: 'good' },
  { t: 1_767_225_600_008, v: 'Temperatur zu hoch — 120 °C ✓ 😀', q: 'good' },
  { t: 1_767_225_600_009, v: '', q: 'good' },
  { t: 100_000_000, v: 1, q: 'good' },
  { t: 99_999_999, v: 1, q: 'good' },
  { t: 1_000_000_000_000, v: 1, q: 'good' },
  { t: Number.MAX_SAFE_INTEGER, v: 1, q: 'good' },
];

describe('canonical serialisation (pilothub-run-csv-v1)', () => {
  it('writes byte for byte the text of the definition, for every kind of value', () => {
    expect(canonicalChunk('inlet_temp', tricky).toString('utf8')).toBe(tricky.map((p) => expectedLine('inlet_temp', p)).join(''));
  });

  it('grows its buffer for long string values without losing a byte', () => {
    const long: StoredPoint[] = Array.from({ length: 50 }, (_, i) => ({ t: i, v: `${'é'.repeat(300)}"${i}"${'€'.repeat(700)}`, q: 'good' }));
    expect(canonicalChunk('batch_id', long).toString('utf8')).toBe(long.map((p) => expectedLine('batch_id', p)).join(''));
  });

  it('joins parameters in byte order under the header and hashes exactly the bytes it returns', () => {
    const points: StoredPoint[] = [{ t: 1, v: 2.5, q: 'good' }];
    const joined = canonicalJoin(new Map(['p_b', 'p_a', 'P_c'].map((p) => [p, { bytes: canonicalChunk(p, points), count: 1 }])));
    const text = `parameter,epoch_ms,value,quality\n${['P_c', 'p_a', 'p_b'].map((p) => expectedLine(p, points[0]!)).join('')}`;
    expect(joined.csv.toString('utf8')).toBe(text);
    expect(joined.sha256).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    expect(joined.pointCount).toBe(3);
  });
});
