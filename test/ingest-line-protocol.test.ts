import { Point } from '@influxdata/influxdb-client';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../common/contracts/index.js';
import { MEASUREMENT, readingToLine, readingsToLines, type ReadingKey } from '../common/influx/layout.js';

/** The reference: what layout.ts wrote with @influxdata/influxdb-client's Point before the hand-written builder. */
function viaPoint(key: ReadingKey, r: Reading): string {
  const point = new Point(MEASUREMENT)
    .tag('site', key.site).tag('equipment', key.equipment).tag('parameter', r.p)
    .stringField('quality', r.q ?? 'good').stringField('gateway', key.gateway)
    .timestamp(r.t);
  if (r.r) point.booleanField('repeat', true);
  if (typeof r.v === 'number') point.floatField('value', r.v);
  else if (typeof r.v === 'boolean') point.booleanField('value_bool', r.v);
  else if (typeof r.v === 'string') point.stringField('value_str', r.v);
  return point.toLineProtocol({ convertTime: (t) => (t === undefined ? undefined : String(t)) })!;
}

const key: ReadingKey = { site: 'hall-a', equipment: 'dryer-1', gateway: 'gw-a' };
const TRICKY = ['', 'plain', 'with space', 'a,b', 'a=b', 'quote"inside', 'back\\slash', 'ends with \\', '\\"', 'new\nline', 'tab\there',
  'cr\rlf', 'ünïcödé ✓ 温度', 'emoji 🚀', '=,  ,=', '"', '\\\\', 'x'.repeat(1024)];
const NUMBERS = [0, -0, 1, -1, 0.1 + 0.2, 1e21, 1e-7, -1.5e-300, 5e-324, Number.MAX_VALUE, Number.MAX_SAFE_INTEGER, 123456789.123456789, 180.5];

describe('line protocol: hand-written builder vs @influxdata/influxdb-client Point', () => {
  it('writes the same bytes for numbers, booleans, strings, null values and every quality', () => {
    const cases: Reading[] = [
      ...NUMBERS.map((v, i) => ({ p: 'temp', v, t: 1_767_225_600_000 + i })),
      { p: 'running', v: true, t: 1 }, { p: 'running', v: false, t: 2, q: 'uncertain' },
      ...TRICKY.map((v, i) => ({ p: 'label', v, t: 10 + i })),
      { p: 'temp', v: null, t: 0, q: 'bad' },
      { p: 'temp', v: 21.5, t: 3, r: true }, { p: 'running', v: true, t: 4, q: 'uncertain', r: true },
      { p: 'label', v: 'idle', t: 5, r: true }, { p: 'temp', v: null, t: 6, q: 'bad', r: true },
    ];
    for (const r of cases) expect(readingToLine(key, r), JSON.stringify(r)).toBe(viaPoint(key, r));
    expect(readingsToLines(key, cases).toString('utf8')).toBe(cases.map((r) => viaPoint(key, r)).join('\n'));
  });

  it('escapes tag values and gateway strings the same way (beyond what identifiers allow today)', () => {
    for (const s of TRICKY.filter(Boolean)) {
      const k = { site: s, equipment: `eq ${s}`, gateway: s };
      expect(readingToLine(k, { p: `p,${s}`, v: 1, t: 5 }), JSON.stringify(s)).toBe(viaPoint(k, { p: `p,${s}`, v: 1, t: 5 }));
    }
  });

  it('agrees on random strings drawn from the special characters', () => {
    const alphabet = [' ', ',', '=', '"', '\\', '\n', '\r', '\t', 'a', 'Z', '0', 'é', '🚀'];
    let seed = 42;
    const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    for (let i = 0; i < 2000; i++) {
      const s = Array.from({ length: 1 + rand(12) }, () => alphabet[rand(alphabet.length)]).join('');
      const k = { site: s, equipment: 'e', gateway: s };
      const r: Reading = { p: s, v: s, t: i };
      expect(readingToLine(k, r)).toBe(viaPoint(k, r));
    }
  });
});
