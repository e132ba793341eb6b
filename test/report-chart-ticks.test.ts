import { describe, expect, it } from 'vitest';
import { timeTicks, valueTicks } from '../api/reports/chart-ticks.js';
import { svgChart } from '../api/reports/svg-chart.js';
import { wallClock } from '../common/i18n/format.js';

const M = 60_000;
const H = 60 * M;
const D = 24 * H;

/** The report chart's axes (issue #15): several round ticks, times on the laboratory's clock, not only min and max. */
describe('report chart ticks', () => {
  it('chooses 1, 2 or 5 times a power of ten, several of them, inside the range', () => {
    expect(valueTicks(0, 1)).toEqual({ step: 0.2, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(valueTicks(13.2, 87.9)).toEqual({ step: 20, ticks: [20, 40, 60, 80] });
    expect(valueTicks(0.1, 0.6).ticks).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    expect(valueTicks(0.1, 0.7).ticks).toEqual([0.2, 0.4, 0.6]);
    expect(valueTicks(-3.7, 2.2)).toEqual({ step: 1, ticks: [-3, -2, -1, 0, 1, 2] });
    expect(valueTicks(-3.7, 6.2)).toEqual({ step: 2, ticks: [-2, 0, 2, 4, 6] });
    expect(valueTicks(1013.1, 1013.9).ticks).toEqual([1013.2, 1013.4, 1013.6, 1013.8]);
    for (const [lo, hi] of [[0, 7], [0.003, 0.0091], [-250, 1250], [99.5, 100.5], [17, 23000]] as const) {
      const { step, ticks } = valueTicks(lo, hi);
      expect(ticks.length, `${lo}..${hi}`).toBeGreaterThanOrEqual(3);
      expect(ticks.length, `${lo}..${hi}`).toBeLessThanOrEqual(6);
      expect(step / 10 ** Math.floor(Math.log10(step))).toBeOneOf([1, 2, 5]);
      for (const v of ticks) { expect(v).toBeGreaterThanOrEqual(lo); expect(v).toBeLessThanOrEqual(hi); }
    }
  });

  it('puts time ticks on round minutes of the lab zone and labels them in it, the date on the first', () => {
    const from = Date.UTC(2026, 11, 7, 1, 7, 13); // 09:07:13 in Shanghai
    const ticks = timeTicks(from, from + 50 * M, 'Asia/Shanghai');
    expect(ticks.map((x) => x.label)).toEqual(['12-07 09:10', '09:20', '09:30', '09:40', '09:50']);
    expect(ticks[0]!.t).toBe(Date.UTC(2026, 11, 7, 1, 10));
  });

  it('follows the zone where its hours are not UTC hours (UTC+05:30)', () => {
    const from = Date.UTC(2026, 11, 7, 3, 0);
    const ticks = timeTicks(from, from + 6 * H, 'Asia/Kolkata'); // 08:30 to 14:30 there
    expect(ticks.map((x) => x.label)).toEqual(['12-07 10:00', '12:00', '14:00']);
    for (const x of ticks) {
      expect(wallClock(x.t, 'Asia/Kolkata').minute).toBe(0);
      expect(x.t % H).toBe(30 * M);
    }
  });

  it('leaves out the hour a spring-forward skips and never puts two ticks on one instant (Berlin, New York)', () => {
    const berlin = timeTicks(Date.UTC(2026, 2, 29, 0, 0), Date.UTC(2026, 2, 29, 5, 0), 'Europe/Berlin');
    expect(berlin.map((x) => x.label)).toEqual(['03-29 01:00', '03:00', '04:00', '05:00', '06:00', '07:00']);
    expect(berlin.map((x) => x.t)).toEqual([0, 1, 2, 3, 4, 5].map((h) => Date.UTC(2026, 2, 29, h)));
    const newYork = timeTicks(Date.UTC(2026, 2, 8, 5, 0), Date.UTC(2026, 2, 8, 15, 0), 'America/New_York');
    expect(newYork.map((x) => x.label)).toEqual(['03-08 00:00', '04:00', '06:00', '08:00', '10:00']);
    for (const ticks of [berlin, newYork]) expect(new Set(ticks.map((x) => x.t)).size).toBe(ticks.length);
    // Autumn: the repeated hour is labelled once, times keep increasing.
    const autumn = timeTicks(Date.UTC(2026, 9, 25, 0, 0), Date.UTC(2026, 9, 25, 3, 0), 'Europe/Berlin');
    expect(autumn.map((x) => x.t)).toEqual([...autumn.map((x) => x.t)].sort((a, b) => a - b));
    expect(new Set(autumn.map((x) => x.label)).size).toBe(autumn.length);
  });

  it('marks a new day, uses seconds for short runs and local midnights for long ones', () => {
    const evening = Date.UTC(2026, 11, 7, 13, 0); // 21:00 in Shanghai
    expect(timeTicks(evening, evening + 5 * H, 'Asia/Shanghai').map((x) => x.label)).toEqual(['12-07 21:00', '22:00', '23:00', '12-08 00:00', '01:00', '02:00']);
    const short = Date.UTC(2026, 11, 7, 1, 0, 3);
    expect(timeTicks(short, short + 40_000, 'Asia/Shanghai').map((x) => x.label)).toEqual(['12-07 09:00:10', '09:00:20', '09:00:30', '09:00:40']);
    const days = timeTicks(evening, evening + 4.5 * D, 'Asia/Shanghai');
    expect(days.map((x) => x.label)).toEqual(['12-08', '12-09', '12-10', '12-11', '12-12']);
    for (const x of days) expect(x.t % D).toBe(16 * H); // midnight in Shanghai is 16:00 UTC
  });

  it('draws several tick labels on both axes of the SVG, times in the lab zone', () => {
    const from = Date.UTC(2026, 11, 7, 1, 0);
    const points = Array.from({ length: 121 }, (_, i) => ({ t: from + i * 30_000, v: 20 + 60 * Math.sin(i / 20) ** 2, q: 'good' as const }));
    const svg = svgChart(points, { title: 'T', unit: '°C', from, to: from + H, timeZone: 'Asia/Shanghai', high: 75 });
    const labels = [...svg.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(expect.arrayContaining(['12-07 09:00', '09:10', '09:20', '09:30', '09:40', '09:50', '10:00']));
    expect(labels).toEqual(expect.arrayContaining(['20', '40', '60', '80']));
    expect(svg).not.toContain('UTC');
  });
});

/** The chart's line: one pixel column per slot, each column's lowest and highest usable point in time order. */
describe('report chart line', () => {
  const from = Date.UTC(2026, 11, 7, 1, 0);
  const line = (svg: string) => svg.match(/<polyline [^>]*points="([^"]*)"/)![1]!.split(' ').map((xy) => xy.split(',').map(Number) as [number, number]);

  it('keeps a one-sample spike and each column\'s extremes in time order, leaving out bad readings and points without a value', () => {
    // 8 h at 1 Hz, a gentle wave; one spike up, one dip, a bad reading far above everything, a point without a value.
    const points = Array.from({ length: 28_800 }, (_, i) => ({ t: from + i * 1000, v: 50 + Math.sin(i / 600) as number | null, q: 'good' as 'good' | 'bad' }));
    points[10_000]!.v = 90;
    points[20_000]!.v = 10;
    points[15_000] = { t: points[15_000]!.t, v: 5000, q: 'bad' };
    points[16_000] = { t: points[16_000]!.t, v: null, q: 'good' };
    const svg = svgChart(points, { title: 'T', unit: '°C', from, to: from + 8 * H });
    const xy = line(svg);
    // At most two points per pixel column of the 604 px plot, and never backwards in time.
    expect(xy.length).toBeGreaterThan(604);
    expect(xy.length).toBeLessThanOrEqual(2 * 604);
    for (let i = 1; i < xy.length; i++) expect(xy[i]![0]).toBeGreaterThanOrEqual(xy[i - 1]![0]);
    // The spike is the top of the line and the dip its bottom; the bad reading set no part of the y range.
    const ys = xy.map(([, y]) => y);
    expect(ys.indexOf(Math.min(...ys))).toBeLessThan(ys.indexOf(Math.max(...ys)));
    // 150 px of plot height less 5 % margins above and below: the spike and the dip span all of it.
    expect(Math.max(...ys) - Math.min(...ys)).toBeGreaterThan(136);
    expect(svg).not.toContain('>5000<');
  });

  it('draws a column whose highest point comes before its lowest high first', () => {
    const points = [{ t: from, v: 1 }, { t: from + 10, v: 9 }, { t: from + 20, v: 2 }, { t: from + H, v: 5 }].map((p) => ({ ...p, q: 'good' as const }));
    const xy = line(svgChart(points, { title: 'T', unit: '', from, to: from + H }));
    // First column: 1 (lowest) then 9 (highest), in time order: the high drawn second, the 2 between them dropped.
    expect(xy).toHaveLength(3);
    expect(xy[0]![1]).toBeGreaterThan(xy[1]![1]);
    const late = [{ t: from, v: 9 }, { t: from + 10, v: 1 }, { t: from + H, v: 5 }].map((p) => ({ ...p, q: 'good' as const }));
    const xy2 = line(svgChart(late, { title: 'T', unit: '', from, to: from + H }));
    expect(xy2[0]![1]).toBeLessThan(xy2[1]![1]);
  });
});
