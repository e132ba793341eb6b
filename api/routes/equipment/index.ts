import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ApiError, notFound } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { audit } from '../../sharing/audit.js';
import { ensureEquipment, getEquipment, listEquipment, updateEquipment, type EquipmentProfile } from '../../sharing/equipment-store.js';
import { liveState, offlineInfo } from '../../sharing/live.js';
import { isOperatorStaff, newId } from '../../sharing/people.js';
import { errors, Ok } from '../common.js';
import { conditionPreviewRoutes } from './condition-preview.js';
import { EquipmentDetail, EquipmentList, EquipmentParams, EquipmentPatch, MaintenanceBody, MaintenanceCreated, MaintenanceList, MaintenanceParams } from './schemas.js';
import { writeTransaction } from '../../../common/runtime/sqlite.js';

/** Registers every announced equipment, so the registry lists what the gateways' births describe. */
function syncRegistry(app: FastifyInstance): void {
  const known = new Set(app.db.prepare('SELECT id FROM equipment').pluck().all() as string[]);
  for (const e of app.registry.list()) {
    if (!known.has(e.id) && ensureEquipment(app.db, e.id, e.birth.equipment.name, e.birth.equipment.kind, app.now())) {
      audit(app.db, null, app.now(), { action: 'equipment.register', entity: 'equipment', entityId: e.id, after: { name: e.birth.equipment.name, kind: e.birth.equipment.kind } });
    }
  }
}

/** Shown when no key parameters are chosen: today's rule, the first five numeric parameters of the birth. */
const DEFAULT_KEY_PARAMETERS = 5;

export function summary(app: FastifyInstance, p: EquipmentProfile) {
  const e = app.registry.get(p.id);
  const live = liveState(app.db, app.registry, p, app.now());
  const parameters = e?.birth.parameters ?? [];
  // A chosen id the birth no longer announces (its gateway config changed) is left out rather than shown empty;
  // when none of the chosen is left, the card shows the default ones rather than nothing.
  const chosen = (p.keyParameters ?? []).filter((id) => parameters.some((x) => x.id === id));
  const keyParameters = chosen.length ? chosen : parameters.filter((x) => x.datatype === 'number').slice(0, DEFAULT_KEY_PARAMETERS).map((x) => x.id);
  return {
    id: p.id, name: p.name, kind: p.kind, site: e?.site ?? null, gateway: e?.birth.gateway ?? null,
    online: live.availability.online, lastSeen: e?.lastSeen ?? null,
    status: live.status, offline: offlineInfo(live),
    faults: live.availability.faults, bookable: p.bookable, location: p.location,
    parameters: parameters.map((x) => ({ id: x.id, name: x.name, unit: x.unit, datatype: x.datatype })),
    keyParameters,
  };
}

/** Key parameters must be parameters the equipment's birth announces; the 400 names the first unknown id. */
function checkKeyParameters(app: FastifyInstance, id: string, ids: string[]): void {
  const birth = app.registry.get(id)?.birth;
  if (!birth) throw new ApiError(400, { code: 'equipment_not_announced', vars: { id } }, { field: 'body.keyParameters' });
  const known = birth.parameters.map((x) => x.id);
  for (const [i, parameter] of ids.entries()) {
    if (!known.includes(parameter)) throw new ApiError(400, { code: 'parameter_unknown', vars: { id, unknown: `"${parameter}"`, known: known.join(', ') } }, { field: `body.keyParameters.${i}` });
  }
}

export const equipmentRoutes: FastifyPluginAsyncZod = async (app) => {
  const staff = app.requireRole('admin', 'engineer');
  // Equipment enters the registry when its birth arrives (births are retained, so also those sent before the
  // API started), not on every read: the status stream would otherwise query for it on every data message.
  syncRegistry(app);
  const registered = new Set(app.registry.list().map((e) => e.id));
  const unsubscribe = app.registry.onChange((id) => {
    if (registered.has(id)) return;
    registered.add(id);
    syncRegistry(app);
  });
  app.addHook('onClose', async () => unsubscribe());
  const found = (id: string) => {
    const p = getEquipment(app.db, id);
    if (!p) throw notFound({ code: 'equipment_not_announced_any', vars: { id } });
    return p;
  };

  app.get('/api/v1/equipment', {
    schema: { tags: ['equipment'], summary: 'Equipment known from gateway births, with live state', response: { 200: EquipmentList, ...errors } },
  }, async () => ({ items: listEquipment(app.db).map((p) => summary(app, p)) }));

  app.get('/api/v1/equipment/:id', {
    schema: { tags: ['equipment'], summary: 'Profile, rules and live state of one piece of equipment', params: EquipmentParams, response: { 200: EquipmentDetail, ...errors } },
  }, async (request) => {
    const p = found(request.params.id);
    const user = currentUser(request);
    // Which other customers enjoy auto-approval, what the operator charges itself, what the equipment cost and how
    // many hours the operator expects of it are not this caller's business.
    const profile = isOperatorStaff(user) ? p : {
      ...p, rateInternal: null, originalValue: null, originalValueCurrency: null, yearlyHoursNorm: null,
      autoApproveOrgs: p.autoApproveOrgs.filter((o) => o === user.orgId),
    };
    return { profile, live: summary(app, p) };
  });

  app.patch('/api/v1/equipment/:id', {
    preHandler: app.requireRole('admin'),
    schema: { tags: ['equipment'], summary: 'Enrich the registry entry and set booking and run rules (admin)', params: EquipmentParams, body: EquipmentPatch, response: { 200: EquipmentDetail, ...errors } },
  }, async (request) => {
    const before = found(request.params.id);
    const patch = request.body;
    if (patch.requiredQualification && !app.db.prepare('SELECT 1 FROM qualifications WHERE id = ?').get(patch.requiredQualification)) {
      throw new ApiError(400, { code: 'qualification_unknown', vars: { id: patch.requiredQualification } }, { field: 'body.requiredQualification' });
    }
    for (const [i, org] of (patch.autoApproveOrgs ?? []).entries()) {
      if (!app.db.prepare('SELECT 1 FROM orgs WHERE id = ?').get(org)) throw new ApiError(400, { code: 'org_unknown', vars: { id: org } }, { field: `body.autoApproveOrgs.${i}` });
    }
    if (patch.keyParameters) checkKeyParameters(app, before.id, patch.keyParameters);
    const minB = patch.minBookingMin ?? before.minBookingMin;
    const maxB = patch.maxBookingMin ?? before.maxBookingMin;
    if (minB > maxB) throw new ApiError(400, { code: 'min_exceeds_max', vars: { min: minB, max: maxB } }, { field: 'body.minBookingMin' });
    const now = app.now();
    const after = writeTransaction(app.db, () => {
      updateEquipment(app.db, before.id, patch, now);
      const updated = getEquipment(app.db, before.id) as EquipmentProfile;
      audit(app.db, currentUser(request), now, { action: 'equipment.update', entity: 'equipment', entityId: before.id, before, after: updated });
      return updated;
    });
    return { profile: after, live: summary(app, after) };
  });

  app.get('/api/v1/equipment/:id/maintenance', {
    schema: { tags: ['equipment'], summary: 'Maintenance windows (they block bookings)', params: EquipmentParams, response: { 200: MaintenanceList, ...errors } },
  }, async (request) => {
    const p = found(request.params.id);
    const rows = app.db.prepare('SELECT id, equipment_id AS equipmentId, starts_at AS startsAt, ends_at AS endsAt, reason FROM maintenance_windows WHERE equipment_id = ? ORDER BY starts_at').all(p.id);
    return { items: rows as { id: string; equipmentId: string; startsAt: number; endsAt: number; reason: string }[] };
  });

  app.post('/api/v1/equipment/:id/maintenance', {
    preHandler: staff,
    schema: { tags: ['equipment'], summary: 'Plan a maintenance window (staff); the answer lists the bookings it overlaps', params: EquipmentParams, body: MaintenanceBody, response: { 201: MaintenanceCreated, ...errors } },
  }, async (request, reply) => {
    const p = found(request.params.id);
    const startsAt = Date.parse(request.body.startsAt);
    const endsAt = Date.parse(request.body.endsAt);
    if (endsAt <= startsAt) throw new ApiError(400, { code: 'ends_before_start' }, { field: 'body.endsAt' });
    const row = { id: newId('mnt'), equipmentId: p.id, startsAt, endsAt, reason: request.body.reason };
    const now = app.now();
    const affectedBookings = writeTransaction(app.db, () => {
      app.db.prepare('INSERT INTO maintenance_windows (id, equipment_id, starts_at, ends_at, reason) VALUES (@id, @equipmentId, @startsAt, @endsAt, @reason)').run(row);
      // Bookings already granted or asked for are not cancelled behind the customer's back: staff get the list.
      const affected = app.db.prepare(`SELECT id, org_id AS orgId, starts_at AS startsAt, ends_at AS endsAt, status FROM bookings
        WHERE equipment_id = ? AND status IN ('requested', 'approved') AND starts_at < ? AND ends_at > ? ORDER BY starts_at`).all(p.id, endsAt, startsAt) as MaintenanceCreated['affectedBookings'];
      audit(app.db, currentUser(request), now, { action: 'maintenance.create', entity: 'maintenance', entityId: row.id, after: { ...row, affectedBookings: affected.map((b) => b.id) } });
      return affected;
    });
    if (affectedBookings.length) request.log.warn({ equipmentId: p.id, maintenanceId: row.id, bookings: affectedBookings.map((b) => b.id) }, 'maintenance planned over existing bookings');
    return reply.status(201).send({ ...row, affectedBookings });
  });

  app.delete('/api/v1/maintenance/:id', {
    preHandler: staff,
    schema: { tags: ['equipment'], summary: 'Remove a maintenance window (staff)', params: MaintenanceParams, response: { 200: Ok, ...errors } },
  }, async (request) => {
    const now = app.now();
    writeTransaction(app.db, () => {
      const before = app.db.prepare('SELECT * FROM maintenance_windows WHERE id = ?').get(request.params.id);
      if (!before) throw notFound({ code: 'maintenance_not_found', vars: { id: request.params.id } });
      app.db.prepare('DELETE FROM maintenance_windows WHERE id = ?').run(request.params.id);
      audit(app.db, currentUser(request), now, { action: 'maintenance.delete', entity: 'maintenance', entityId: request.params.id, before });
    });
    return { ok: true as const };
  });
  await app.register(conditionPreviewRoutes);
};
