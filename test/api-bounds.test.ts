import { labTime } from '../api/errors.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { FREE_SLOTS_MAX_DAYS, FREE_SLOTS_MAX_EQUIPMENT, LIST_MAX_DAYS, LIST_MAX_LIMIT } from '../api/routes/bounds.js';
import { DAY, HOUR, sharingStack } from './sharing-fixture.js';

type Stack = Awaited<ReturnType<typeof sharingStack>>;
/**
 * How long one request may hold the API's thread: generous, because the delay also counts time this process waits
 * for a core on a loaded machine (alone ~20 ms here, up to ~1.2 s beside other test files), while the unbounded
 * free-slots request held it ~100 s.
 */
const STALL_BOUND_MS = 5_000;

interface ErrorReply { message: string; issues?: { field: string; message: string }[] }

/** The API runs in this process, so this thread's event-loop delay is the API's: how long one request held it. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; maxMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const result = await work();
    return { result, maxMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

describe('every range and list the API accepts is bounded (issue #12)', () => {
  let s: Stack;
  const ids = Array.from({ length: FREE_SLOTS_MAX_EQUIPMENT }, (_, i) => `bound-${i}`);

  beforeAll(async () => {
    s = await sharingStack();
    for (const id of ids) await s.announce(id);
    // The most work per equipment: bookable, working hours every day in a zone with daylight saving, and bookings
    // that cut each day into pieces.
    for (const id of ids) {
      await s.ok(s.admin, 'PATCH', `/api/v1/equipment/${id}`, {
        bookable: true, autoApproveAll: true, multiDay: true, minBookingMin: 15, maxBookingMin: 1440, cleaningBufferMin: 5,
        workingHours: { days: [0, 1, 2, 3, 4, 5, 6], from: '06:00', to: '22:00', timeZone: 'Europe/Berlin' },
      });
    }
    const day0 = Date.UTC(2026, 10, 24);
    for (const [i, id] of ids.slice(0, 10).entries()) {
      for (let d = 0; d < 20; d++) {
        const at = day0 + (d * 4 + (i % 4)) * DAY + 9 * HOUR;
        await s.ok(s.admin, 'POST', '/api/v1/bookings', { equipmentId: id, startsAt: s.iso(at), endsAt: s.iso(at + HOUR) });
      }
    }
  }, 120_000);

  it('refuses free slots over years 0000-9999 for 50 ids with 400 at once, naming the parameter and the bound', async () => {
    const { result: r, maxMs } = await longestStall(() => s.call<ErrorReply>(s.admin, 'GET', `/api/v1/free-slots?equipment=${ids.join(',')}&from=0000-01-01T00:00:00Z&to=9999-12-31T00:00:00Z`));
    expect(r.status).toBe(400);
    expect(r.body.issues).toEqual([{ field: 'querystring.to', code: 'custom', message: expect.stringContaining(`at most ${FREE_SLOTS_MAX_DAYS} days`) }]);
    // Worded for people (issue 14): the field's name, not its path; the path stays in issues[].field.
    expect(r.body.message).toMatch(/^To: the window from\.\.to may span at most 92 days; this one spans \d{7} days$/);
    expect(maxMs).toBeLessThan(STALL_BOUND_MS);
  });

  it('refuses repeated ids and more ids than the bound', async () => {
    const window = `from=${s.iso(s.clock.now())}&to=${s.iso(s.clock.now() + DAY)}`;
    const repeated = await s.call<ErrorReply>(s.admin, 'GET', `/api/v1/free-slots?equipment=${Array(50).fill('bound-0').join(',')}&${window}`);
    expect(repeated.status).toBe(400);
    expect(repeated.body.issues).toEqual([{ field: 'querystring.equipment', code: 'custom', message: 'Equipment must not repeat' }]);
    const many = await s.call<ErrorReply>(s.admin, 'GET', `/api/v1/free-slots?equipment=${[...ids, 'bound-x'].join(',')}&${window}`);
    expect(many.status).toBe(400);
    expect(many.body.issues?.[0]).toEqual({ field: 'querystring.equipment', code: 'too_many', message: `Equipment: at most ${FREE_SLOTS_MAX_EQUIPMENT} allowed` });
    const backwards = await s.call<ErrorReply>(s.admin, 'GET', `/api/v1/free-slots?equipment=bound-0&from=${s.iso(s.clock.now() + DAY)}&to=${s.iso(s.clock.now())}`);
    expect(backwards.body.issues).toEqual([{ field: 'querystring.to', code: 'custom', message: 'To must be after from' }]);
  });

  it('answers the most expensive free-slots request it accepts without holding the API for long', async () => {
    const from = s.clock.now();
    const to = from + FREE_SLOTS_MAX_DAYS * DAY;
    const { result: r, maxMs } = await longestStall(() => s.call<{ items: { equipmentId: string; free: { from: number; to: number }[] }[] }>(
      s.admin, 'GET', `/api/v1/free-slots?equipment=${ids.join(',')}&from=${s.iso(from)}&to=${s.iso(to)}&minMinutes=1`));
    expect(r.status).toBe(200);
    expect(r.body.items.map((i) => i.equipmentId)).toEqual(ids);
    // One free stretch per working day, more where bookings cut the day: the whole quarter was computed.
    expect(r.body.items[0]!.free.length).toBeGreaterThan(FREE_SLOTS_MAX_DAYS);
    expect(r.body.items.at(-1)!.free.at(-1)!.to).toBeGreaterThan(to - 2 * DAY);
    // A bound on blocking, not a benchmark.
    expect(maxMs).toBeLessThan(STALL_BOUND_MS);
  });

  it('bounds the windows of the booking and audit lists and their limits', async () => {
    const now = s.clock.now();
    const long = `from=${s.iso(now)}&to=${s.iso(now + (LIST_MAX_DAYS + 1) * DAY)}`;
    for (const path of [`/api/v1/bookings?${long}`, `/api/v1/audit?${long}`, `/api/v1/runs?${long}`]) {
      const r = await s.call<ErrorReply>(s.admin, 'GET', path);
      expect(r.status, path).toBe(400);
      expect(r.body.message, path).toBe(`To: the window from..to may span at most ${LIST_MAX_DAYS} days; this one spans ${LIST_MAX_DAYS + 1} days`);
    }
    expect((await s.call(s.admin, 'GET', `/api/v1/bookings?from=${s.iso(now)}&to=${s.iso(now + LIST_MAX_DAYS * DAY)}`)).status).toBe(200);
    const limit = await s.call<ErrorReply>(s.admin, 'GET', `/api/v1/audit?limit=${LIST_MAX_LIMIT + 1}`);
    expect(limit.status).toBe(400);
    expect(limit.body.issues?.[0]?.field).toBe('querystring.limit');
    expect(limit.body.message).toBe(`Limit must be at most ${LIST_MAX_LIMIT}`);
    // The booking list had no bound at all without a window: now at most LIST_MAX_LIMIT, fewer on request.
    const bookingLimit = await s.call<ErrorReply>(s.admin, 'GET', `/api/v1/bookings?limit=${LIST_MAX_LIMIT + 1}`);
    expect(bookingLimit.body.message).toBe(`Limit must be at most ${LIST_MAX_LIMIT}`);
    const first = await s.ok<{ items: { startsAt: number }[] }>(s.admin, 'GET', '/api/v1/bookings?limit=3');
    const all = await s.ok<{ items: { startsAt: number }[] }>(s.admin, 'GET', '/api/v1/bookings');
    expect(all.items.length).toBeGreaterThan(3);
    expect(first.items).toEqual(all.items.slice(0, 3));
    // Run statistics name each parameter once.
    const run = await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/runs', { equipmentId: ids[0], startedAt: s.iso(now - HOUR) });
    const repeated = await s.call<ErrorReply>(s.admin, 'GET', `/api/v1/runs/${run.id}/statistics?parameter=running,running`);
    expect(repeated.status).toBe(400);
    expect(repeated.body.message).toContain('must not repeat');
  });

  it('refuses a booking beyond the equipment\'s horizon (default one year), naming it and the latest start', async () => {
    const now = s.clock.now();
    expect((await s.ok<{ profile: { bookingHorizonDays: number } }>(s.admin, 'GET', '/api/v1/equipment/bound-40')).profile.bookingHorizonDays).toBe(365);
    const far = await s.call<ErrorReply>(s.admin, 'POST', '/api/v1/bookings', { equipmentId: 'bound-40', startsAt: '9999-06-01T10:00:00Z', endsAt: '9999-06-01T11:00:00Z' });
    expect(far.status).toBe(400);
    // The latest start is named in the laboratory's zone (UTC in tests) with its offset (issue 14).
    expect(far.body.issues).toEqual([{ field: 'body.startsAt', code: 'booking_horizon', message: `Bookings of "bound-40" may start at most 365 days ahead (its booking horizon), at ${labTime(now + 365 * DAY, 'UTC')} at the latest` }]);

    const nextYear = Date.UTC(2027, 11, 1, 10);
    expect((await s.call(s.admin, 'POST', '/api/v1/bookings', { equipmentId: 'bound-40', startsAt: s.iso(nextYear), endsAt: s.iso(nextYear + HOUR) })).status).toBe(400);
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/bound-40', { bookingHorizonDays: 730 });
    expect((await s.call(s.admin, 'POST', '/api/v1/bookings', { equipmentId: 'bound-40', startsAt: s.iso(nextYear), endsAt: s.iso(nextYear + HOUR) })).status).toBe(201);
    expect((await s.call<ErrorReply>(s.admin, 'PATCH', '/api/v1/equipment/bound-40', { bookingHorizonDays: 3651 })).body.issues?.[0]?.field).toBe('body.bookingHorizonDays');

    // Free slots stop at the horizon: nothing past it could be booked.
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/bound-41', { bookingHorizonDays: 30 });
    const slots = await s.ok<{ items: { free: { from: number; to: number }[] }[] }>(s.admin, 'GET', `/api/v1/free-slots?equipment=bound-41&from=${s.iso(now)}&to=${s.iso(now + FREE_SLOTS_MAX_DAYS * DAY)}`);
    expect(slots.items[0]!.free.at(-1)!.to).toBeLessThanOrEqual(now + 30 * DAY);
  });
});
