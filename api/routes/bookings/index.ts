import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ApiError, notFound, instant } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { freeIntervals, workingIntervals } from '../../sharing/booking-rules.js';
import { assertNoMaintenance, BLOCKING, createBooking, getBooking, measuredMinutes, sweepNoShows, transitionBooking, type BookingRow } from '../../sharing/bookings-store.js';
import { getEquipment } from '../../sharing/equipment-store.js';
import { isOperatorStaff, type AuthUser } from '../../sharing/people.js';
import { canSeeOrg, orgScope } from '../../sharing/tenancy.js';
import { DAY_MS } from '../bounds.js';
import { errors, IdParams, withConflict } from '../common.js';
import { Booking, BookingBody, BookingList, BookingQuery, FreeSlotQuery, FreeSlots, ReasonBody } from './schemas.js';

const MIN = 60_000;

export const bookingRoutes: FastifyPluginAsyncZod = async (app) => {
  const staff = app.requireRole('admin', 'engineer');
  const toBooking = (r: BookingRow) => ({
    id: r.id, equipmentId: r.equipment_id, orgId: r.org_id, userId: r.user_id, startsAt: r.starts_at, endsAt: r.ends_at, status: r.status,
    slotReleased: r.slot_released === 1, purpose: r.purpose, recipe: r.recipe, cancelReason: r.cancel_reason, decidedBy: r.decided_by, createdAt: r.created_at,
    bookedMinutes: Math.round((r.ends_at - r.starts_at) / MIN * 100) / 100, measuredMinutes: measuredMinutes(app.db, r.id, app.now()),
  });
  /** Another organisation's booking answers exactly like one that does not exist. */
  const visible = (user: AuthUser, id: string) => {
    sweepNoShows(app.db, app.now());
    const row = getBooking(app.db, id);
    if (!row || !canSeeOrg(user, row.org_id)) throw notFound({ code: 'booking_not_found', vars: { id } });
    return row;
  };

  app.post('/api/v1/bookings', {
    preHandler: app.requireRole('customer', 'engineer', 'admin'),
    schema: { tags: ['bookings'], summary: 'Request a booking; approved at once when an auto-approval rule matches', body: BookingBody, response: { 201: Booking, ...withConflict } },
  }, async (request, reply) => {
    const user = currentUser(request);
    const p = getEquipment(app.db, request.body.equipmentId);
    if (!p) throw new ApiError(404, { code: 'equipment_unknown', vars: { id: request.body.equipmentId } });
    const row = createBooking(app.db, user, p, { startsAt: Date.parse(request.body.startsAt), endsAt: Date.parse(request.body.endsAt), purpose: request.body.purpose, recipe: request.body.recipe ?? null }, app.now());
    return reply.status(201).send(toBooking(row));
  });

  app.get('/api/v1/bookings', {
    schema: { tags: ['bookings'], summary: "Bookings you may see in full, and other organisations' only as busy slots", querystring: BookingQuery, response: { 200: BookingList, ...errors } },
  }, async (request) => {
    const user = currentUser(request);
    sweepNoShows(app.db, app.now());
    const q = request.query;
    const where = ['1 = 1'];
    const params: (string | number)[] = [];
    if (q.equipment) { where.push('equipment_id = ?'); params.push(q.equipment); }
    if (q.from) { where.push('ends_at > ?'); params.push(Date.parse(q.from)); }
    if (q.to) { where.push('starts_at < ?'); params.push(Date.parse(q.to)); }
    // Scope and status are filtered in SQL, so `limit` counts what the caller gets, not rows read before filtering.
    const scope = orgScope(user);
    const status = q.status ? { sql: 'status = ?', params: [q.status] } : { sql: '1 = 1', params: [] };
    const own = app.db.prepare(`SELECT * FROM bookings WHERE ${where.join(' AND ')} AND ${scope.sql} AND ${status.sql} ORDER BY starts_at LIMIT ?`)
      .all(...params, ...scope.params, ...status.params, q.limit) as BookingRow[];
    const busy = isOperatorStaff(user) ? [] : app.db.prepare(`SELECT equipment_id, starts_at, ends_at FROM bookings WHERE ${where.join(' AND ')} AND org_id != ? AND ${BLOCKING} ORDER BY starts_at LIMIT ?`)
      .all(...params, user.orgId, q.limit) as { equipment_id: string; starts_at: number; ends_at: number }[];
    return { items: own.map(toBooking), busy: busy.map((b) => ({ equipmentId: b.equipment_id, startsAt: b.starts_at, endsAt: b.ends_at, busy: true as const })) };
  });

  app.get('/api/v1/bookings/:id', {
    schema: { tags: ['bookings'], summary: 'One booking with booked and measured minutes', params: IdParams, response: { 200: Booking, ...errors } },
  }, async (request) => toBooking(visible(currentUser(request), request.params.id)));

  app.post('/api/v1/bookings/:id/approve', {
    preHandler: staff,
    schema: { tags: ['bookings'], summary: 'Approve a requested booking (staff)', params: IdParams, response: { 200: Booking, ...withConflict } },
  }, async (request) => {
    const user = currentUser(request);
    const row = visible(user, request.params.id);
    // Maintenance may have been planned over the slot while the request waited.
    assertNoMaintenance(app.db, row.equipment_id, row.starts_at, row.ends_at);
    return toBooking(transitionBooking(app.db, user, request.params.id, ['requested'], { status: 'approved', decided_by: user.id }, 'booking.approve', app.now()));
  });

  app.post('/api/v1/bookings/:id/reject', {
    preHandler: staff,
    schema: { tags: ['bookings'], summary: 'Reject a requested booking with a reason (staff)', params: IdParams, body: ReasonBody, response: { 200: Booking, ...withConflict } },
  }, async (request) => {
    const user = currentUser(request);
    visible(user, request.params.id);
    return toBooking(transitionBooking(app.db, user, request.params.id, ['requested'], { status: 'rejected', decided_by: user.id, cancel_reason: request.body.reason }, 'booking.reject', app.now()));
  });

  app.post('/api/v1/bookings/:id/cancel', {
    preHandler: app.requireRole('customer', 'engineer', 'admin'),
    schema: { tags: ['bookings'], summary: 'Cancel a booking with a reason; frees its slot (customers: only before it starts)', params: IdParams, body: ReasonBody, response: { 200: Booking, ...withConflict } },
  }, async (request) => {
    const user = currentUser(request);
    const row = visible(user, request.params.id);
    // A cancelled booking is not billed: letting customers cancel one under way would wipe out its measured use.
    if (!isOperatorStaff(user) && row.starts_at <= app.now()) {
      throw new ApiError(409, { code: 'booking_started', vars: { id: row.id, at: instant(row.starts_at) } });
    }
    return toBooking(transitionBooking(app.db, user, request.params.id, ['requested', 'approved'], { status: 'cancelled', cancel_reason: request.body.reason }, 'booking.cancel', app.now()));
  });

  app.get('/api/v1/free-slots', {
    schema: { tags: ['bookings'], summary: 'Free time on several pieces of equipment within a window (after lead time, inside working hours)', querystring: FreeSlotQuery, response: { 200: FreeSlots, ...errors } },
  }, async (request) => {
    const q = request.query;
    const from = Date.parse(q.from);
    const to = Date.parse(q.to);
    return {
      items: q.equipment.map((id, i) => {
        const p = getEquipment(app.db, id);
        if (!p) throw new ApiError(404, { code: 'equipment_unknown', vars: { id } }, { field: `querystring.equipment.${i}` });
        const buffer = p.cleaningBufferMin * MIN;
        const bookings = app.db.prepare(`SELECT starts_at AS f, ends_at AS t FROM bookings WHERE equipment_id = ? AND ${BLOCKING} AND starts_at < ? AND ends_at > ?`)
          .all(id, to + buffer, from - buffer) as { f: number; t: number }[];
        const maintenance = app.db.prepare('SELECT starts_at AS f, ends_at AS t FROM maintenance_windows WHERE equipment_id = ? AND starts_at < ? AND ends_at > ?').all(id, to, from) as { f: number; t: number }[];
        const busy = [...bookings.map((b) => ({ from: b.f - buffer, to: b.t + buffer })), ...maintenance.map((m) => ({ from: m.f, to: m.t }))];
        const earliest = Math.max(from, app.now() + p.leadTimeMin * MIN);
        // Time past the booking horizon could not be booked, so it is not offered.
        const latest = Math.min(to, app.now() + p.bookingHorizonDays * DAY_MS);
        const minMs = (q.minMinutes ?? p.minBookingMin) * MIN;
        const free = p.bookable && earliest < latest ? workingIntervals({ from: earliest, to: latest }, p.workingHours).flatMap((w) => freeIntervals(w, busy, minMs)) : [];
        return { equipmentId: id, free };
      }),
    };
  });
};
