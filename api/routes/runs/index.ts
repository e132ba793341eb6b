import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../../db/index.js';
import { ApiError, notFound, instant } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { audit } from '../../sharing/audit.js';
import { getBooking } from '../../sharing/bookings-store.js';
import { getEquipment } from '../../sharing/equipment-store.js';
import { newId, type AuthUser } from '../../sharing/people.js';
import { runGaps } from '../../sharing/run-gaps.js';
import { touchQualification } from '../../sharing/qualifications.js';
import { canSeeOrg, orgScope } from '../../sharing/tenancy.js';
import { RUNS_MAX_LIMIT } from '../bounds.js';
import { errors, IdParams, withConflict } from '../common.js';
import { CloseRunBody, CorrectRunBody, OpenRunBody, Run, RunList, RunQuery } from './schemas.js';
import { writeTransaction } from '../../../common/runtime/sqlite.js';

interface RunRow {
  id: string; equipment_id: string; booking_id: string | null; org_id: string | null; started_at: number; ended_at: number | null;
  opened_by: string; closed_by: string | null; note: string; recipe: string | null;
  /** When the run was sealed (api/seal); a seal covers the window it rebuilt, so another window clears it. */
  sealed_at: number | null;
}

const getRun = (db: Db, id: string) => (db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined) ?? null;

export const runRoutes: FastifyPluginAsyncZod = async (app) => {
  const staff = app.requireRole('admin', 'engineer');
  const toRun = (r: RunRow) => ({
    id: r.id, equipmentId: r.equipment_id, bookingId: r.booking_id, orgId: r.org_id, startedAt: r.started_at, endedAt: r.ended_at,
    openedBy: r.opened_by, closedBy: r.closed_by, note: r.note, recipe: r.recipe, minutes: Math.round(((r.ended_at ?? app.now()) - r.started_at) / 600) / 100,
    gaps: runGaps(app.db, { id: r.id, startedAt: r.started_at, endedAt: r.ended_at }),
  });
  const visible = (user: AuthUser, id: string) => {
    const row = getRun(app.db, id);
    if (!row || !canSeeOrg(user, row.org_id)) throw notFound({ code: 'run_not_found', vars: { id } });
    return row;
  };
  const bookingOf = (equipmentId: string, bookingId: string | null | undefined, field: string) => {
    if (!bookingId) return null;
    const b = getBooking(app.db, bookingId);
    if (!b) throw new ApiError(400, { code: 'booking_unknown', vars: { id: bookingId } }, { field });
    if (b.equipment_id !== equipmentId) throw new ApiError(400, { code: 'booking_other_equipment', vars: { id: bookingId, booked: b.equipment_id, equipment: equipmentId } }, { field });
    return b;
  };
  /**
   * A run is a claim on what the equipment measured (its customer sees that data, its report covers it), so runs
   * of one piece of equipment may touch but not overlap: otherwise two organisations would see the same data.
   */
  const checkWindow = (run: RunRow, field: { start: string; end: string }) => {
    if (run.ended_at !== null && run.ended_at < run.started_at) throw new ApiError(400, { code: 'run_ends_before_start' }, { field: field.end });
    const other = app.db.prepare('SELECT id, started_at, ended_at FROM runs WHERE equipment_id = ? AND id != ? AND started_at < ? AND (ended_at IS NULL OR ended_at > ?) ORDER BY started_at LIMIT 1')
      .get(run.equipment_id, run.id, run.ended_at ?? Number.MAX_SAFE_INTEGER, run.started_at) as Pick<RunRow, 'id' | 'started_at' | 'ended_at'> | undefined;
    if (other) {
      throw new ApiError(409, { code: other.ended_at === null ? 'run_overlap_open' : 'run_overlap', vars: { id: other.id, equipment: run.equipment_id, from: instant(other.started_at), to: instant(other.ended_at ?? other.started_at) } }, { field: field.start });
    }
  };
  /**
   * A run given to another organisation (its booking corrected) takes its alarms along; one with an issued report
   * cannot move: reports are immutable and visible to the organisation they were issued to, so the old one would keep
   * the run's data (tenancy review).
   */
  const moveToOrganisation = (run: RunRow, orgId: string | null) => {
    const reports = app.db.prepare('SELECT count(*) FROM reports WHERE run_id = ?').pluck().get(run.id) as number;
    if (reports) throw new ApiError(409, { code: 'run_reported', vars: { id: run.id, count: String(reports), org: run.org_id ?? '' } });
    // updated_at moves, so lists read with `since` see the alarms change hands.
    app.db.prepare('UPDATE alarms SET org_id = ?, updated_at = MAX(updated_at, ?) WHERE run_id = ?').run(orgId, app.now(), run.id);
  };

  const update = (user: AuthUser, before: RunRow, changed: RunRow, action: string) => {
    const sameWindow = changed.started_at === before.started_at && changed.ended_at === before.ended_at;
    const after = { ...changed, sealed_at: sameWindow ? before.sealed_at : null };
    writeTransaction(app.db, () => {
      checkWindow(after, { start: 'body.startedAt', end: 'body.endedAt' });
      if (after.org_id !== before.org_id) moveToOrganisation(before, after.org_id);
      app.db.prepare('UPDATE runs SET booking_id = @booking_id, org_id = @org_id, started_at = @started_at, ended_at = @ended_at, closed_by = @closed_by, note = @note, recipe = @recipe, sealed_at = @sealed_at WHERE id = @id').run(after);
      audit(app.db, user, app.now(), { action, entity: 'run', entityId: after.id, orgId: after.org_id, before, after });
    });
    return toRun(after);
  };

  app.get('/api/v1/runs', { schema: { tags: ['runs'], summary: 'Measured runs (customers: their organisation\'s)', querystring: RunQuery, response: { 200: RunList, ...errors } } }, async (request) => {
    const user = currentUser(request);
    const scope = orgScope(user);
    const where = [scope.sql];
    const params: (string | number)[] = [...scope.params];
    const q = request.query;
    if (q.equipment) { where.push('equipment_id = ?'); params.push(q.equipment); }
    if (q.booking) { where.push('booking_id = ?'); params.push(q.booking); }
    if (q.recipe) { where.push('recipe = ?'); params.push(q.recipe); }
    if (q.from) { where.push('(ended_at IS NULL OR ended_at > ?)'); params.push(Date.parse(q.from)); }
    if (q.to) { where.push('started_at < ?'); params.push(Date.parse(q.to)); }
    if (q.limit === undefined && q.before === undefined) {
      return { items: (app.db.prepare(`SELECT * FROM runs WHERE ${where.join(' AND ')} ORDER BY started_at`).all(...params) as RunRow[]).map(toRun) };
    }
    // A page, newest first: the viewer's scope is part of the WHERE, so the limit counts only runs it may see.
    if (q.before) { where.push('(started_at < ? OR (started_at = ? AND id < ?))'); params.push(q.before.startedAt, q.before.startedAt, q.before.id); }
    const limit = q.limit ?? RUNS_MAX_LIMIT;
    const rows = app.db.prepare(`SELECT * FROM runs WHERE ${where.join(' AND ')} ORDER BY started_at DESC, id DESC LIMIT ?`).all(...params, limit + 1) as RunRow[];
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    // `<startedAt>.<id>` of the last run shown (ids never hold a dot): runs of one start are ordered by id.
    return { items: page.map(toRun), nextBefore: rows.length > limit && last ? `${last.started_at}.${last.id}` : null };
  });

  app.get('/api/v1/runs/:id', { schema: { tags: ['runs'], summary: 'One run', params: IdParams, response: { 200: Run, ...errors } } }, async (request) =>
    toRun(visible(currentUser(request), request.params.id)));

  app.post('/api/v1/runs', { preHandler: staff, schema: { tags: ['runs'], summary: 'Open a run by hand (staff)', body: OpenRunBody, response: { 201: Run, ...withConflict } } }, async (request, reply) => {
    const user = currentUser(request);
    const body = request.body;
    if (!getEquipment(app.db, body.equipmentId)) throw new ApiError(404, { code: 'equipment_unknown', vars: { id: body.equipmentId } });
    const booking = bookingOf(body.equipmentId, body.bookingId, 'body.bookingId');
    const row: RunRow = {
      id: newId('run'), equipment_id: body.equipmentId, booking_id: booking?.id ?? null, org_id: booking?.org_id ?? user.orgId,
      started_at: body.startedAt ? Date.parse(body.startedAt) : app.now(), ended_at: null, opened_by: user.id, closed_by: null, note: body.note, sealed_at: null,
      // A recipe the booking stated is the run's unless staff state another.
      recipe: body.recipe === undefined ? booking?.recipe ?? null : body.recipe,
    };
    writeTransaction(app.db, () => {
      const open = app.db.prepare('SELECT id FROM runs WHERE equipment_id = ? AND ended_at IS NULL').pluck().get(row.equipment_id);
      if (open) throw new ApiError(409, { code: 'run_already_open', vars: { equipment: row.equipment_id, id: String(open) } });
      checkWindow(row, { start: 'body.startedAt', end: 'body.startedAt' });
      app.db.prepare('INSERT INTO runs (id, equipment_id, booking_id, org_id, started_at, ended_at, opened_by, closed_by, note, recipe) VALUES (@id, @equipment_id, @booking_id, @org_id, @started_at, @ended_at, @opened_by, @closed_by, @note, @recipe)').run(row);
      if (booking) touchQualification(app.db, booking.user_id, getEquipment(app.db, row.equipment_id)?.requiredQualification ?? null, row.started_at);
      audit(app.db, user, app.now(), { action: 'run.open', entity: 'run', entityId: row.id, orgId: row.org_id, after: row });
    });
    return reply.status(201).send(toRun(row));
  });

  app.post('/api/v1/runs/:id/close', { preHandler: staff, schema: { tags: ['runs'], summary: 'Close an open run (staff)', params: IdParams, body: CloseRunBody, response: { 200: Run, ...withConflict } } }, async (request) => {
    const user = currentUser(request);
    const before = visible(user, request.params.id);
    if (before.ended_at !== null) throw new ApiError(409, { code: 'run_closed', vars: { id: before.id } });
    const endedAt = request.body.endedAt ? Date.parse(request.body.endedAt) : app.now();
    return update(user, before, { ...before, ended_at: endedAt, closed_by: user.id, note: request.body.note ?? before.note }, 'run.close');
  });

  app.patch('/api/v1/runs/:id', { preHandler: staff, schema: { tags: ['runs'], summary: 'Correct a run\'s times, booking or recipe, with a note (staff; audited)', params: IdParams, body: CorrectRunBody, response: { 200: Run, ...errors } } }, async (request) => {
    const user = currentUser(request);
    const before = visible(user, request.params.id);
    const body = request.body;
    const booking = body.bookingId === undefined ? undefined : bookingOf(before.equipment_id, body.bookingId, 'body.bookingId');
    const after: RunRow = {
      ...before,
      started_at: body.startedAt ? Date.parse(body.startedAt) : before.started_at,
      ended_at: body.endedAt ? Date.parse(body.endedAt) : before.ended_at,
      booking_id: booking === undefined ? before.booking_id : booking?.id ?? null,
      org_id: booking === undefined ? before.org_id : booking?.org_id ?? null,
      // Giving an open run an end closes it: record who did, as POST .../close would.
      closed_by: before.ended_at === null && body.endedAt ? user.id : before.closed_by,
      recipe: body.recipe === undefined ? before.recipe : body.recipe,
      note: body.note,
    };
    return update(user, before, after, 'run.correct');
  });
};
