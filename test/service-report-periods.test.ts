import { describe, expect, it } from 'vitest';
import { heatmap } from '../api/service-report/heatmap.js';
import { periodsOf, yearsCovered } from '../api/service-report/periods.js';
import { labSettings } from '../api/settings.js';
import { labTimeZone } from '../common/runtime/time-zone.js';


describe('service report periods and heatmap in the laboratory zone', () => {
  it('cuts months at local midnight across daylight saving and clips the first and last to the window', () => {
    // Europe/Berlin: CET (+1) until 29 March 2026 01:00 UTC, then CEST (+2).
    const periods = periodsOf(Date.UTC(2026, 1, 15), Date.UTC(2026, 3, 10), 'month', 'Europe/Berlin');
    expect(periods).toEqual([
      { key: '2026-02', from: Date.UTC(2026, 1, 15), to: Date.UTC(2026, 1, 28, 23) },
      { key: '2026-03', from: Date.UTC(2026, 1, 28, 23), to: Date.UTC(2026, 2, 31, 22) },
      { key: '2026-04', from: Date.UTC(2026, 2, 31, 22), to: Date.UTC(2026, 3, 10) },
    ]);
    expect(periodsOf(Date.UTC(2026, 0, 1), Date.UTC(2026, 11, 31), 'quarter', 'UTC').map((p) => p.key)).toEqual(['2026-Q1', '2026-Q2', '2026-Q3', '2026-Q4']);
    expect(periodsOf(Date.UTC(2025, 11, 31, 16), Date.UTC(2026, 11, 31, 16), 'year', 'Asia/Shanghai').map((p) => p.key)).toEqual(['2026']);
  });

  it('pro-rates a year by its local calendar: a whole year is 1, a 30-day month of 365 days is 30/365', () => {
    expect(yearsCovered(Date.UTC(2025, 11, 31, 16), Date.UTC(2026, 11, 31, 16), 'Asia/Shanghai')).toBeCloseTo(1, 12);
    expect(yearsCovered(Date.UTC(2026, 10, 1), Date.UTC(2026, 11, 1), 'UTC')).toBeCloseTo(30 / 365, 12);
  });

  it('puts run hours on local weekday and hour, half-hour zones and the daylight-saving change included', () => {
    // Monday 2 November 2026 10:00-12:30 UTC is 15:30-18:00 in Asia/Kolkata (+5:30).
    const india = heatmap([{ from: Date.UTC(2026, 10, 2, 10), to: Date.UTC(2026, 10, 2, 12, 30) }], 'Asia/Kolkata');
    expect(india[1]!.slice(15, 18)).toEqual([0.5, 1, 1]);
    // Sunday 29 March 2026 00:00-03:00 UTC in Berlin: 01:00-02:00 CET, then 03:00-05:00 CEST (02:00 local never happens).
    const berlin = heatmap([{ from: Date.UTC(2026, 2, 29, 0), to: Date.UTC(2026, 2, 29, 3) }], 'Europe/Berlin');
    expect(berlin[0]!.slice(1, 5)).toEqual([1, 0, 1, 1]);
    expect(berlin.flat().reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('reads PILOTHUB_TIME_ZONE and names it when it is not an IANA zone', () => {
    expect(labTimeZone({ PILOTHUB_TIME_ZONE: 'Asia/Shanghai' })).toBe('Asia/Shanghai');
    expect(() => labTimeZone({ PILOTHUB_TIME_ZONE: 'Mars/Olympus' })).toThrow(/PILOTHUB_TIME_ZONE="Mars\/Olympus" is not an IANA time zone/);
    expect(labTimeZone({})).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it('reads the laboratory settings once, naming a bad variable', () => {
    expect(labSettings({ PILOTHUB_TIME_ZONE: 'UTC' })).toEqual({ timeZone: 'UTC', platform: { name: 'pilothub pilot platform', location: '' }, service: { externalWeight: 1.5, hoursNorm: 800, currency: 'CNY' } });
    expect(labSettings({ PILOTHUB_TIME_ZONE: 'Asia/Shanghai', PILOTHUB_LAB_NAME: '中试平台', PILOTHUB_SERVICE_EXTERNAL_WEIGHT: '2', PILOTHUB_SERVICE_HOURS_NORM: '1200' }))
      .toMatchObject({ timeZone: 'Asia/Shanghai', platform: { name: '中试平台' }, service: { externalWeight: 2, hoursNorm: 1200 } });
    expect(() => labSettings({ PILOTHUB_SERVICE_HOURS_NORM: '800h' })).toThrow('PILOTHUB_SERVICE_HOURS_NORM must be a number ≥ 0, got "800h"');
    expect(() => labSettings({ PILOTHUB_BILLING_CURRENCY: 'yuan' })).toThrow('PILOTHUB_BILLING_CURRENCY must be an ISO 4217 code such as CNY');
    expect(() => labSettings({ PILOTHUB_TIME_ZONE: 'Mars/Olympus' })).toThrow(/PILOTHUB_TIME_ZONE="Mars\/Olympus" is not an IANA time zone/);
  });
});
