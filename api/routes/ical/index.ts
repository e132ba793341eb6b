import ical from 'ical-generator';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError, notFound } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { audit } from '../../sharing/audit.js';
import { BLOCKING, type BookingRow } from '../../sharing/bookings-store.js';
import { getEquipment } from '../../sharing/equipment-store.js';
import { getUser, hashToken, newId, newSecret } from '../../sharing/people.js';
import { canSeeOrg } from '../../sharing/tenancy.js';
import { errors, IdParams } from '../common.js';
import { FeedParams, IcalToken, IcalTokenBody, IcalTokenList, NewIcalToken } from './schemas.js';
import { writeTransaction } from '../../../common/runtime/sqlite.js';

interface TokenRow { id: string; user_id: string; kind: 'equipment' | 'user'; subject_id: string; created_at: number; revoked_at: number | null }
const toToken = (r: TokenRow) => ({ id: r.id, kind: r.kind, subjectId: r.subject_id, createdAt: r.created_at, revokedAt: r.revoked_at });

export const icalRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/api/v1/ical-tokens', {
    schema: { tags: ['calendar'], summary: 'Create a secret iCal feed URL for one piece of equipment or for your own bookings', body: IcalTokenBody, response: { 201: NewIcalToken, ...errors } },
  }, async (request, reply) => {
    const user = currentUser(request);
    const { kind, equipmentId } = request.body;
    if (kind === 'equipment' && !equipmentId) throw new ApiError(400, { code: 'ical_needs_equipment' }, { field: 'body.equipmentId' });
    if (kind === 'equipment' && !getEquipment(app.db, equipmentId as string)) throw new ApiError(404, { code: 'equipment_unknown', vars: { id: equipmentId as string } });
    const token = newSecret('ical');
    const now = app.now();
    const row: TokenRow = { id: newId('cal'), user_id: user.id, kind, subject_id: kind === 'user' ? user.id : equipmentId as string, created_at: now, revoked_at: null };
    writeTransaction(app.db, () => {
      app.db.prepare('INSERT INTO ical_tokens (id, token_hash, user_id, kind, subject_id, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(row.id, hashToken(token), user.id, kind, row.subject_id, now);
      audit(app.db, user, now, { action: 'ical_token.create', entity: 'ical_token', entityId: row.id, orgId: user.orgId, after: toToken(row) });
    });
    return reply.status(201).send({ ...toToken(row), url: `${request.protocol}://${request.host}/api/v1/ical/${token}.ics` });
  });

  app.get('/api/v1/ical-tokens', { schema: { tags: ['calendar'], summary: 'Your calendar feed tokens', response: { 200: IcalTokenList, ...errors } } }, async (request) => ({
    items: (app.db.prepare('SELECT * FROM ical_tokens WHERE user_id = ? ORDER BY created_at').all(currentUser(request).id) as TokenRow[]).map(toToken),
  }));

  app.delete('/api/v1/ical-tokens/:id', { schema: { tags: ['calendar'], summary: 'Revoke a calendar feed URL', params: IdParams, response: { 200: IcalToken, ...errors } } }, async (request) => {
    const user = currentUser(request);
    const now = app.now();
    return writeTransaction(app.db, () => {
      const before = app.db.prepare('SELECT * FROM ical_tokens WHERE id = ?').get(request.params.id) as TokenRow | undefined;
      if (!before || (before.user_id !== user.id && user.role !== 'admin')) throw notFound({ code: 'ical_token_not_found', vars: { id: request.params.id } });
      const after = { ...before, revoked_at: before.revoked_at ?? now };
      app.db.prepare('UPDATE ical_tokens SET revoked_at = ? WHERE id = ?').run(after.revoked_at, before.id);
      audit(app.db, user, now, { action: 'ical_token.revoke', entity: 'ical_token', entityId: before.id, orgId: getUser(app.db, before.user_id)?.orgId, before: toToken(before), after: toToken(after) });
      return toToken(after);
    });
  });

  app.get('/api/v1/ical/:token', {
    config: { public: true },
    schema: { tags: ['calendar'], summary: 'iCal feed behind a secret URL; it shows what its creator may see', security: [], params: FeedParams, produces: ['text/calendar'], response: { 200: z.string(), 404: errors[404] } },
  }, async (request, reply) => {
    const token = request.params.token.replace(/\.ics$/, '');
    const row = app.db.prepare('SELECT * FROM ical_tokens WHERE token_hash = ? AND revoked_at IS NULL').get(hashToken(token)) as TokenRow | undefined;
    const owner = row ? getUser(app.db, row.user_id) : null;
    const disabled = row ? app.db.prepare('SELECT disabled FROM users WHERE id = ?').pluck().get(row.user_id) === 1 : true;
    if (!row || !owner || disabled) throw notFound({ code: 'ical_feed_not_found' });
    const bookings = (row.kind === 'equipment'
      ? app.db.prepare(`SELECT * FROM bookings WHERE equipment_id = ? AND ${BLOCKING} ORDER BY starts_at`).all(row.subject_id)
      : app.db.prepare(`SELECT * FROM bookings WHERE user_id = ? AND status IN ('requested', 'approved', 'no_show', 'completed') ORDER BY starts_at`).all(row.subject_id)) as BookingRow[];
    const calendar = ical({ name: row.kind === 'equipment' ? `pilothub: ${row.subject_id}` : `pilothub: bookings of ${owner.name}`, prodId: { company: 'pilothub', product: 'pilothub' } });
    for (const b of bookings) {
      const mine = canSeeOrg(owner, b.org_id);
      calendar.createEvent({
        // Another organisation's booking is only a busy slot: its UID is the slot itself, which the event shows
        // anyway, never the booking's id. Blocking bookings of one equipment never overlap, so it is unique.
        id: mine ? `${b.id}@pilothub` : `busy-${b.equipment_id}-${b.starts_at}-${b.ends_at}@pilothub`,
        start: new Date(b.starts_at), end: new Date(b.ends_at),
        summary: mine ? `${b.equipment_id}: ${b.purpose || 'booking'} (${b.status})` : `${b.equipment_id}: busy`,
        description: mine ? `booking ${b.id}, organisation ${b.org_id}` : null,
      });
    }
    return reply.type('text/calendar; charset=utf-8').send(calendar.toString());
  });
};
