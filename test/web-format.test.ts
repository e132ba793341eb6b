import { describe, expect, it } from 'vitest';
import { fmtMinutes } from '../web/src/dom.js';

describe('web dashboard: booked and measured time', () => {
  it('rounds the total, so no duration shows 60 minutes', () => {
    expect(fmtMinutes(119.6)).toBe('2 h 00 min');
    expect(fmtMinutes(59.5)).toBe('1 h 00 min');
    expect(fmtMinutes(90)).toBe('1 h 30 min');
    expect(fmtMinutes(0.2)).toBe('0 h 00 min');
    expect(fmtMinutes(null)).toBe('—');
  });
});
