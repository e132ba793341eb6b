import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../api/db/index.js';
import { checkBookingRules, freeIntervals, workingIntervals } from '../api/sharing/booking-rules.js';
import { ConditionError, conditionParameters, evaluateCondition, parseCondition } from '../api/sharing/condition.js';
import { EquipmentPatch, EquipmentProfile } from '../api/sharing/equipment-store.js';
import { deriveStatus } from '../api/sharing/status.js';
import { tempDir } from './helpers/servers.js';

const values = (v: Record<string, number | boolean | string | null>) => (id: string) => v[id];

describe('run conditions: a small expression language, never eval', () => {
  it.each([
    ['running == true', { running: true }, true],
    ['running == true', { running: false }, false],
    ['feed_rate > 0.1', { feed_rate: 0.2 }, true],
    ['feed_rate > 0.1', { feed_rate: 0.1 }, false],
    ['a > 1 && b == false', { a: 2, b: false }, true],
    ['a > 1 && b == false', { a: 2, b: true }, false],
    ['a > 1 || b', { a: 0, b: true }, true],
    ['!(a >= 3) && mode != "idle"', { a: 2, mode: 'spray' }, true],
    ["mode == 'idle'", { mode: 'idle' }, true],
    ['temp <= 1e2', { temp: 100 }, true],
    ['temp > -5.5', { temp: -5 }, true],
  ])('%s with %j is %s', (source, v, expected) => {
    expect(evaluateCondition(parseCondition(source), values(v))).toBe(expected);
  });

  it('treats a missing or null parameter as not satisfying any comparison', () => {
    expect(evaluateCondition(parseCondition('feed_rate > 0.1'), values({}))).toBe(false);
    expect(evaluateCondition(parseCondition('running == true'), values({ running: null }))).toBe(false);
    expect(evaluateCondition(parseCondition('running != true'), values({}))).toBe(false);
    expect(evaluateCondition(parseCondition('flag > 0'), values({ flag: true }))).toBe(false);
  });

  it('rejects malformed or code-like input with the position', () => {
    const error = (source: string) => { try { parseCondition(source); } catch (err) { return err; } return undefined; };
    expect(error('running ==')).toBeInstanceOf(ConditionError);
    expect((error('running == ') as Error).message).toContain('unexpected end');
    expect((error('a > 1 && ; b') as Error).message).toContain('position 10');
    expect(error('process.exit(1)')).toBeInstanceOf(ConditionError);
    expect(error('a = 1')).toBeInstanceOf(ConditionError);
    expect(error('(a > 1')).toBeInstanceOf(ConditionError);
    expect(error('a b')).toBeInstanceOf(ConditionError);
  });

  it('lists the parameters a condition reads', () => {
    expect(conditionParameters(parseCondition('a > 1 && (b == false || a < 9)'))).toEqual(['a', 'b']);
  });
});

describe('live status is a pure function of telemetry and calendar', () => {
  const base = { online: true, dataAgeMs: 500, staleAfterMs: 30_000, inMaintenance: false, alarm: false, running: false, booked: false };
  it('follows maintenance > offline > alarm > running > booked > idle', () => {
    expect(deriveStatus(base)).toBe('idle');
    expect(deriveStatus({ ...base, booked: true })).toBe('booked');
    expect(deriveStatus({ ...base, booked: true, running: true })).toBe('running');
    expect(deriveStatus({ ...base, running: true, alarm: true })).toBe('alarm');
    expect(deriveStatus({ ...base, alarm: true, online: false })).toBe('offline');
    expect(deriveStatus({ ...base, dataAgeMs: undefined })).toBe('offline');
    expect(deriveStatus({ ...base, dataAgeMs: 31_000 })).toBe('offline');
    expect(deriveStatus({ ...base, online: false, inMaintenance: true })).toBe('maintenance');
  });
});

describe('booking rules and free intervals', () => {
  const profile: EquipmentProfile = EquipmentProfile.parse({
    id: 'x', name: 'X', kind: '', location: '', description: '', manufacturer: '', model: '', serialNumber: '', firmware: '',
    calibrationDate: null, calibrationDue: null, calibrationCertificate: '', rateInternal: 0, rateExternal: 0, billingPolicy: 'max',
    bookable: true, requiredQualification: null, runCondition: null, alarmCondition: null, runCloseAfterS: 60,
    minBookingMin: 30, maxBookingMin: 240, leadTimeMin: 60, bookingHorizonDays: 365, cleaningBufferMin: 0, multiDay: false, workingHours: null,
    noShowGraceMin: 30, noShowRelease: true, autoApproveAll: false, autoApproveOrgs: [], originalValue: null, originalValueCurrency: 'CNY', yearlyHoursNorm: null,
    keyParameters: null,
  });
  const day = Date.UTC(2026, 10, 23);
  const h = 3_600_000;

  it('accepts a booking that keeps every rule and names the field of each broken one', () => {
    expect(checkBookingRules(profile, day + 10 * h, day + 11 * h, day + 8 * h)).toEqual([]);
    expect(checkBookingRules(profile, day + 10 * h, day + 10 * h + 60_000, day).map((v) => v.field)).toEqual(['body.endsAt']);
    expect(checkBookingRules(profile, day + 10 * h, day + 11 * h, day + 9.5 * h)[0]?.field).toBe('body.startsAt');
    expect(checkBookingRules({ ...profile, bookable: false }, day + 10 * h, day + 11 * h, day)[0]?.message).toContain('not bookable');
    expect(checkBookingRules({ ...profile, maxBookingMin: 2000 }, day + 22 * h, day + 26 * h, day)[0]?.message).toContain('several days');
    expect(checkBookingRules({ ...profile, maxBookingMin: 2000 }, day + 20 * h, day + 24 * h, day)).toEqual([]); // ends at midnight
    const wh = { ...profile, workingHours: { days: [1], from: '08:00', to: '12:00', timeZone: 'UTC' } }; // 2026-11-23 is a Monday
    expect(checkBookingRules(wh, day + 9 * h, day + 11 * h, day)).toEqual([]);
    expect(checkBookingRules(wh, day + 11 * h, day + 13 * h, day)).toHaveLength(1);
    expect(checkBookingRules(wh, day + 24 * h + 9 * h, day + 24 * h + 10 * h, day)).toHaveLength(1);
  });

  it('rejects a patch with a bad working-hours block or a string for a number', () => {
    expect(EquipmentPatch.safeParse({ workingHours: { days: [1], from: '18:00', to: '08:00' } }).success).toBe(false);
    expect(EquipmentPatch.safeParse({ leadTimeMin: '60' }).success).toBe(false);
  });

  it('cuts a window to the working hours of each working day', () => {
    const wh = { days: [1, 2], from: '08:00', to: '12:00', timeZone: 'UTC' }; // Monday, Tuesday
    expect(workingIntervals({ from: day + 10 * h, to: day + 72 * h }, wh)).toEqual([{ from: day + 10 * h, to: day + 12 * h }, { from: day + 32 * h, to: day + 36 * h }]);
    expect(workingIntervals({ from: day, to: day + h }, null)).toEqual([{ from: day, to: day + h }]);
  });

  it("follows the lab's time zone for working hours and days, daylight saving included", () => {
    const berlin = { days: [1], from: '08:00', to: '12:00', timeZone: 'Europe/Berlin' };
    // November: Berlin is UTC+1, so 08:00-12:00 local is 07:00-11:00 UTC
    expect(workingIntervals({ from: day, to: day + 24 * h }, berlin)).toEqual([{ from: day + 7 * h, to: day + 11 * h }]);
    const wh = { ...profile, workingHours: berlin };
    expect(checkBookingRules(wh, day + 7 * h, day + 9 * h, day - 24 * h)).toEqual([]);
    expect(checkBookingRules(wh, day + 10 * h, day + 12 * h, day - 24 * h)[0]?.message).toContain('08:00-12:00 Europe/Berlin');
    // 2026-03-30 is the Monday after the switch to summer time: UTC+2, so 06:00-10:00 UTC
    const summer = Date.UTC(2026, 2, 30);
    expect(workingIntervals({ from: summer - 24 * h, to: summer + 24 * h }, berlin)).toEqual([{ from: summer + 6 * h, to: summer + 10 * h }]);
    // Shanghai is UTC+8: 14:00-17:00 UTC on the 23rd is 22:00-01:00 local, which crosses a local midnight
    const shanghai = { ...profile, maxBookingMin: 600, workingHours: null };
    expect(checkBookingRules(shanghai, day + 14 * h, day + 17 * h, day)).toEqual([]);
    const shanghaiHours = { ...shanghai, workingHours: { days: [0, 1, 2, 3, 4, 5, 6], from: '00:00', to: '23:59', timeZone: 'Asia/Shanghai' } };
    expect(checkBookingRules(shanghaiHours, day + 14 * h, day + 17 * h, day).map((v) => v.message).join()).toContain('several days (Asia/Shanghai)');
    expect(EquipmentPatch.safeParse({ workingHours: { days: [1], from: '08:00', to: '12:00', timeZone: 'Mars/Olympus' } }).success).toBe(false);
    expect(EquipmentPatch.parse({ workingHours: { days: [1], from: '08:00', to: '12:00' } }).workingHours?.timeZone).toBe('UTC');
  });

  it('subtracts busy intervals from a window', () => {
    expect(freeIntervals({ from: 0, to: 100 }, [{ from: 10, to: 20 }, { from: 15, to: 30 }, { from: 90, to: 120 }], 5)).toEqual([{ from: 0, to: 10 }, { from: 30, to: 90 }]);
    expect(freeIntervals({ from: 0, to: 100 }, [{ from: -5, to: 97 }], 5)).toEqual([]);
  });
});

describe('metadata database migrations', () => {
  it('applies numbered migrations once, in order, recorded in schema_migrations, in WAL mode', () => {
    const dir = tempDir('pilothub-db-');
    const db = openDatabase(join(dir, 'a.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all() as number[];
    expect(versions.slice(0, 3)).toEqual([1, 2, 3]);
    db.close();
    const again = openDatabase(join(dir, 'a.db'));
    expect(again.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get()).toBe(versions.length);
    again.close();
  });

  it('rolls a failing migration back completely and leaves the earlier ones applied', () => {
    const dir = tempDir('pilothub-mig-');
    mkdirSync(join(dir, 'm'));
    writeFileSync(join(dir, 'm', '001-one.sql'), 'CREATE TABLE one (id INTEGER);');
    writeFileSync(join(dir, 'm', '002-two.sql'), 'CREATE TABLE two (id INTEGER); INSERT INTO nowhere VALUES (1);');
    const db = new Database(':memory:');
    expect(() => migrate(db, `${join(dir, 'm')}/`)).toThrow(/nowhere/);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('one', 'two')").pluck().all()).toEqual(['one']);
    expect(db.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1]);
    writeFileSync(join(dir, 'm', '002-dup.sql'), 'SELECT 1;');
    expect(() => migrate(db, `${join(dir, 'm')}/`)).toThrow(/share the number 2/);
  });
});
