import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { t } from '../../../common/i18n/index.js';
import { acknowledgeAlarm, getAlarm, listAlarms, shelveAlarm } from '../../alarms/store.js';
import { Alarm } from '../../alarms/model.js';
import { ApiError, labTime } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { requestLanguage } from '../../plugins/errors.js';
import { canSeeOrg } from '../../sharing/tenancy.js';
import { errors, IdParams, withConflict } from '../common.js';
import { AcknowledgeBody, AlarmList, AlarmQuery, MAX_SHELVE_MS, ShelveBody } from './schemas.js';

/** Alarms with a lifecycle (issue 17): list, acknowledge with a comment, shelve until a time. Customers see their own. */
export const alarmRoutes: FastifyPluginAsyncZod = async (app) => {
  const visible = (request: Parameters<typeof currentUser>[0], id: string) => {
    const alarm = getAlarm(app.db, id);
    if (!alarm || !canSeeOrg(currentUser(request), alarm.orgId)) throw new ApiError(404, t(requestLanguage(request), 'alarms.errors.notFound', { id }));
    return alarm;
  };

  app.get('/api/v1/alarms', {
    schema: { tags: ['alarms'], summary: 'Alarms, newest change first; customers see those raised during their own runs and bookings', querystring: AlarmQuery, response: { 200: AlarmList, ...errors } },
  }, async (request) => {
    const q = request.query;
    return listAlarms(app.db, currentUser(request), {
      state: q.state, equipment: q.equipment, since: q.since ? Date.parse(q.since) : undefined, shelved: q.shelved === 'true', limit: q.limit, offset: q.offset,
    }, app.now());
  });

  app.get('/api/v1/alarms/:id', {
    schema: { tags: ['alarms'], summary: 'One alarm', params: IdParams, response: { 200: Alarm, ...errors } },
  }, async (request) => visible(request, request.params.id));

  app.post('/api/v1/alarms/:id/acknowledge', {
    preHandler: app.requireRole('admin', 'engineer', 'customer'),
    schema: { tags: ['alarms'], summary: 'Acknowledge with a comment: who and when are recorded and audited', params: IdParams, body: AcknowledgeBody, response: { 200: Alarm, ...withConflict } },
  }, async (request) => {
    visible(request, request.params.id);
    const after = acknowledgeAlarm(app.db, request.params.id, currentUser(request), request.body.comment, app.now());
    if (!after) throw new ApiError(409, t(requestLanguage(request), 'alarms.errors.alreadyAcknowledged', { id: request.params.id }));
    app.alarms.published(after.alarm, 'acknowledged', after.auditId);
    return after.alarm;
  });

  app.post('/api/v1/alarms/:id/shelve', {
    preHandler: app.requireRole('admin', 'engineer'),
    schema: { tags: ['alarms'], summary: 'Shelve until a time (staff): hidden from lists, the board and notifications until then', params: IdParams, body: ShelveBody, response: { 200: Alarm, ...withConflict } },
  }, async (request) => {
    const alarm = visible(request, request.params.id);
    const now = app.now();
    const until = Date.parse(request.body.until);
    const lang = requestLanguage(request);
    if (until <= now || until - now > MAX_SHELVE_MS) throw new ApiError(400, t(lang, 'alarms.errors.shelveUntil', { until: labTime(until, app.timeZone) }), { field: 'body.until' });
    if (alarm.state === 'cleared') throw new ApiError(409, t(lang, 'alarms.errors.closed', { id: alarm.id }));
    const after = shelveAlarm(app.db, alarm.id, currentUser(request), until, request.body.comment, now);
    app.alarms.published(after.alarm, 'shelved', after.auditId);
    return after.alarm;
  });
};
