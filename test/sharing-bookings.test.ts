import { labTime } from '../api/errors.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { HOUR, MIN, sharingStack } from './sharing-fixture.js';

type Stack = Awaited<ReturnType<typeof sharingStack>>;
type Person = Awaited<ReturnType<Stack['user']>>;

describe('bookings over real HTTP and SQLite', () => {
  let s: Stack;
  let alice: Person; // customer of acme
  let bob: Person; // customer of globex
  let engineer: Person;
  const T0 = Date.UTC(2026, 10, 24, 0, 0, 0); // midnight the day after the clock's start

  beforeAll(async () => {
    s = await sharingStack();
    await s.org('acme');
    await s.org('globex');
    alice = await s.user('customer', 'acme', 'alice');
    bob = await s.user('customer', 'globex', 'bob');
    engineer = await s.user('engineer', 'operator', 'erin');
    for (const id of ['mixer-1', 'mill-1', 'oven-1']) await s.announce(id);
    for (const id of ['mixer-1', 'mill-1', 'oven-1']) {
      await s.ok(s.admin, 'PATCH', `/api/v1/equipment/${id}`, { bookable: true, autoApproveAll: true, minBookingMin: 30, maxBookingMin: 480, multiDay: false });
    }
  });

  it('turns 50 simultaneous requests for one slot into exactly one booking; the rest get 409 naming the slot', async () => {
    const startsAt = s.iso(T0 + 10 * HOUR);
    const endsAt = s.iso(T0 + 12 * HOUR);
    // Half the requests overlap the slot only partly, so the overlap test (not equality) is what decides.
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => s.call(i % 2 ? alice.token : bob.token, 'POST', '/api/v1/bookings', {
      equipmentId: 'mixer-1', startsAt: i % 4 === 3 ? s.iso(T0 + 11 * HOUR) : startsAt, endsAt: i % 4 === 3 ? s.iso(T0 + 13 * HOUR) : endsAt,
    })));
    const created = replies.filter((r) => r.status === 201);
    const conflicts = replies.filter((r) => r.status === 409);
    expect(created).toHaveLength(1);
    expect(conflicts).toHaveLength(49);
    const winner = created[0]!.body as { startsAt: number; endsAt: number; status: string };
    expect(winner.status).toBe('approved');
    for (const c of conflicts) {
      const body = c.body as { message: string; conflict: { equipmentId: string; startsAt: number; endsAt: number } };
      expect(body.conflict).toEqual({ equipmentId: 'mixer-1', startsAt: winner.startsAt, endsAt: winner.endsAt });
      // Named in the laboratory's zone with its offset, as the calendar shows it (issue 14); the test API runs in UTC.
      expect(body.message).toContain(labTime(winner.startsAt, 'UTC'));
    }
    const all = await s.ok<{ items: unknown[] }>(s.admin, 'GET', '/api/v1/bookings?equipment=mixer-1');
    expect(all.items).toHaveLength(1);
  });

  it('enforces length, lead time, multi-day, cleaning buffer, maintenance and working hours, naming the field', async () => {
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/mill-1', { leadTimeMin: 24 * 60, cleaningBufferMin: 30 });
    const book = (from: number, to: number, token = alice.token) => s.call<{ message: string; issues?: { field: string }[] }>(token, 'POST', '/api/v1/bookings', { equipmentId: 'mill-1', startsAt: s.iso(from), endsAt: s.iso(to) });

    const short = await book(T0 + 34 * HOUR, T0 + 34 * HOUR + 10 * MIN);
    expect(short.status).toBe(400);
    expect(short.body.issues?.[0]?.field).toBe('body.endsAt');
    expect(short.body.message).toContain('at least 30 min');
    expect((await book(T0 + 25 * HOUR, T0 + 34 * HOUR)).body.message).toContain('at most 480 min');

    const early = await book(T0 + 2 * HOUR, T0 + 3 * HOUR); // clock is T0 - 16 h: 18 h ahead, rule asks 24 h
    expect(early.status).toBe(400);
    expect(early.body.issues?.[0]?.field).toBe('body.startsAt');
    const overnight = await book(T0 + 46 * HOUR, T0 + 50 * HOUR);
    expect(overnight.body.message).toContain('several days');

    expect((await book(T0 + 30 * HOUR, T0 + 32 * HOUR)).status).toBe(201);
    const buffer = await book(T0 + 32 * HOUR + 10 * MIN, T0 + 33 * HOUR, bob.token);
    expect(buffer.status).toBe(409);
    expect(buffer.body.message).toContain('cleaning buffer');
    expect((await book(T0 + 32 * HOUR + 30 * MIN, T0 + 33 * HOUR, bob.token)).status).toBe(201);
    // The buffer applies before a booking too, and ending exactly where it begins is allowed.
    const before = await book(T0 + 29 * HOUR, T0 + 29 * HOUR + 50 * MIN, bob.token);
    expect(before.status).toBe(409);
    expect(before.body.message).toContain(labTime(T0 + 30 * HOUR, 'UTC'));
    expect((await book(T0 + 28 * HOUR + 30 * MIN, T0 + 29 * HOUR + 30 * MIN, bob.token)).status).toBe(201);

    await s.ok(engineer.token, 'POST', '/api/v1/equipment/mill-1/maintenance', { startsAt: s.iso(T0 + 36 * HOUR), endsAt: s.iso(T0 + 38 * HOUR), reason: 'bearing swap' });
    const maint = await book(T0 + 37 * HOUR, T0 + 39 * HOUR);
    expect(maint.status).toBe(409);
    expect(maint.body.message).toContain('bearing swap');

    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/mill-1', { workingHours: { days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' } });
    const evening = await book(T0 + 24 * HOUR + 17 * HOUR, T0 + 24 * HOUR + 19 * HOUR); // Wednesday 17:00-19:00 UTC
    expect(evening.status).toBe(400);
    expect(evening.body.message).toContain('08:00-18:00');
  });

  it('waits for an engineer unless an auto-approval rule matches; rejects and cancels with a reason', async () => {
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/oven-1', { autoApproveAll: false, autoApproveOrgs: ['globex'] });
    const asked = await s.ok<{ id: string; status: string }>(alice.token, 'POST', '/api/v1/bookings', { equipmentId: 'oven-1', startsAt: s.iso(T0 + 8 * HOUR), endsAt: s.iso(T0 + 9 * HOUR) });
    expect(asked.status).toBe('requested');
    const auto = await s.ok<{ id: string; status: string }>(bob.token, 'POST', '/api/v1/bookings', { equipmentId: 'oven-1', startsAt: s.iso(T0 + 10 * HOUR), endsAt: s.iso(T0 + 11 * HOUR) });
    expect(auto.status).toBe('approved');

    expect((await s.call(alice.token, 'POST', `/api/v1/bookings/${asked.id}/approve`)).status).toBe(403);
    expect((await s.ok<{ status: string }>(engineer.token, 'POST', `/api/v1/bookings/${asked.id}/approve`)).status).toBe('approved');
    expect((await s.call(engineer.token, 'POST', `/api/v1/bookings/${asked.id}/approve`)).status).toBe(409);

    const unwanted = await s.ok<{ id: string; status: string }>(alice.token, 'POST', '/api/v1/bookings', { equipmentId: 'oven-1', startsAt: s.iso(T0 + 12 * HOUR), endsAt: s.iso(T0 + 13 * HOUR) });
    expect((await s.ok<{ items: { id: string }[] }>(engineer.token, 'GET', '/api/v1/bookings?status=requested')).items.map((b) => b.id)).toEqual([unwanted.id]);
    expect(await s.ok(engineer.token, 'POST', `/api/v1/bookings/${unwanted.id}/reject`, { reason: 'oven reserved for validation' }))
      .toMatchObject({ status: 'rejected', cancelReason: 'oven reserved for validation' });
    // A rejected request no longer holds its slot.
    expect((await s.call(bob.token, 'POST', '/api/v1/bookings', { equipmentId: 'oven-1', startsAt: s.iso(T0 + 12 * HOUR), endsAt: s.iso(T0 + 13 * HOUR) })).status).toBe(201);

    const noReason = await s.call<{ issues: { field: string }[] }>(bob.token, 'POST', `/api/v1/bookings/${auto.id}/cancel`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.issues[0]?.field).toBe('body.reason');
    const cancelled = await s.ok<{ status: string; cancelReason: string }>(bob.token, 'POST', `/api/v1/bookings/${auto.id}/cancel`, { reason: 'sample not ready' });
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelReason: 'sample not ready' });
    // The freed slot can be booked again.
    expect((await s.call(alice.token, 'POST', '/api/v1/bookings', { equipmentId: 'oven-1', startsAt: s.iso(T0 + 10 * HOUR), endsAt: s.iso(T0 + 11 * HOUR) })).status).toBe(201);

    const audit = await s.ok<{ items: { action: string; actorEmail: string; before: { status: string }; after: { status: string; cancel_reason: string } }[] }>(s.admin, 'GET', `/api/v1/audit?entity=booking&entityId=${auto.id}`);
    const cancel = audit.items.find((a) => a.action === 'booking.cancel');
    expect(cancel).toMatchObject({ actorEmail: bob.email, before: { status: 'approved' }, after: { status: 'cancelled', cancel_reason: 'sample not ready' } });
    expect((await s.call(engineer.token, 'GET', '/api/v1/audit')).status).toBe(403);
  });

  it('finds free slots across several pieces of equipment', async () => {
    const from = T0 + 48 * HOUR + 8 * HOUR;
    await s.ok(bob.token, 'POST', '/api/v1/bookings', { equipmentId: 'mixer-1', startsAt: s.iso(from + HOUR), endsAt: s.iso(from + 2 * HOUR) });
    const free = await s.ok<{ items: { equipmentId: string; free: { from: number; to: number }[] }[] }>(alice.token, 'GET',
      `/api/v1/free-slots?equipment=mixer-1,oven-1&from=${s.iso(from)}&to=${s.iso(from + 4 * HOUR)}`);
    expect(free.items.find((i) => i.equipmentId === 'mixer-1')?.free).toEqual([{ from, to: from + HOUR }, { from: from + 2 * HOUR, to: from + 4 * HOUR }]);
    expect(free.items.find((i) => i.equipmentId === 'oven-1')?.free).toEqual([{ from, to: from + 4 * HOUR }]);
    const bad = await s.call<{ issues: { field: string }[] }>(alice.token, 'GET', `/api/v1/free-slots?equipment=mixer-1,Bad!&from=${s.iso(from)}&to=${s.iso(from + HOUR)}`);
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0]?.field).toContain('querystring.equipment');
  });

  it("serves iCal feeds by secret URL, showing other organisations' bookings only as busy", async () => {
    const feed = await s.ok<{ url: string; id: string }>(alice.token, 'POST', '/api/v1/ical-tokens', { kind: 'equipment', equipmentId: 'mixer-1' });
    const ics = await (await fetch(feed.url)).text();
    expect(ics).toContain('BEGIN:VCALENDAR');
    expect(ics).toContain('mixer-1: busy');
    expect(ics).not.toContain('globex');
    const mine = await s.ok<{ url: string }>(bob.token, 'POST', '/api/v1/ical-tokens', { kind: 'user' });
    const bobIcs = await (await fetch(mine.url)).text();
    expect(bobIcs).toContain('organisation globex');
    await s.ok(alice.token, 'DELETE', `/api/v1/ical-tokens/${feed.id}`);
    expect((await fetch(feed.url)).status).toBe(404);
  });

  it('rejects bad input with 400 and the field, never coercing', async () => {
    const coerced = await s.call<{ issues: { field: string }[] }>(s.admin, 'PATCH', '/api/v1/equipment/oven-1', { bookable: 'true' });
    expect(coerced.status).toBe(400);
    expect(coerced.body.issues[0]?.field).toBe('body.bookable');
    const unknown = await s.call(s.admin, 'PATCH', '/api/v1/equipment/oven-1', { bookabel: true });
    expect(unknown.status).toBe(400);
    const badCondition = await s.call<{ message: string; issues: { field: string }[] }>(s.admin, 'PATCH', '/api/v1/equipment/oven-1', { runCondition: 'running == ' });
    expect(badCondition.status).toBe(400);
    // The field's path for programs, its name and the position for people.
    expect(badCondition.body.issues[0]?.field).toBe('body.runCondition');
    expect(badCondition.body.message).toBe('Run condition: the condition ends too early (position 12)');
    const noSuchQualification = await s.call<{ issues: { field: string }[] }>(s.admin, 'PATCH', '/api/v1/equipment/oven-1', { requiredQualification: 'nope' });
    expect([noSuchQualification.status, noSuchQualification.body.issues[0]?.field]).toEqual([400, 'body.requiredQualification']);
    const noSuchOrg = await s.call<{ issues: { field: string }[] }>(s.admin, 'PATCH', '/api/v1/equipment/oven-1', { autoApproveOrgs: ['globex', 'nope'] });
    expect([noSuchOrg.status, noSuchOrg.body.issues[0]?.field]).toEqual([400, 'body.autoApproveOrgs.1']);
    const badTime = await s.call<{ issues: { field: string }[] }>(alice.token, 'POST', '/api/v1/bookings', { equipmentId: 'oven-1', startsAt: 'tomorrow', endsAt: s.iso(T0) });
    expect(badTime.body.issues[0]?.field).toBe('body.startsAt');
  });

  it('describes every route in OpenAPI 3 from the zod schemas, with Swagger UI, both readable without a token', async () => {
    const spec = await (await fetch(`${s.api.url}/api/docs/json`)).json() as {
      openapi: string; components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> } }>>;
    };
    expect(spec.openapi).toMatch(/^3\./);
    expect(spec.components.securitySchemes.bearer).toBeDefined();
    const body = spec.paths['/api/v1/bookings']?.post?.requestBody?.content['application/json']?.schema;
    expect(Object.keys(body?.properties ?? {})).toEqual(expect.arrayContaining(['equipmentId', 'startsAt', 'endsAt', 'purpose']));
    expect(body?.required).toEqual(expect.arrayContaining(['equipmentId', 'startsAt', 'endsAt']));
    const ui = await fetch(`${s.api.url}/api/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });
});
