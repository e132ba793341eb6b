import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { t, type Language } from '../../../common/i18n/index.js';
import { ApiError } from '../../errors.js';
import { currentUser } from '../../plugins/auth.js';
import { requestLanguage } from '../../plugins/errors.js';
import { Subscription, type Target } from '../../notifications/model.js';
import { deleteSubscription, getSubscription, listDeliveries, listSubscriptions, redacted, saveSubscription } from '../../notifications/store.js';
import { audit } from '../../sharing/audit.js';
import { getUser, isOperatorStaff, newId, type AuthUser } from '../../sharing/people.js';
import { errors, IdParams, Ok } from '../common.js';
import { DeliveryList, DeliveryQuery, SubscriptionBody, SubscriptionList, SubscriptionPatch, SubscriptionQuery } from './schemas.js';
import { writeTransaction } from '../../../common/runtime/sqlite.js';

/** Staff (admin, engineer) manage anyone's subscriptions; everyone else only their own. */
const isStaff = (u: AuthUser) => isOperatorStaff(u) && (u.role === 'admin' || u.role === 'engineer');

/** The robots' own hosts: the only URLs people other than staff may have the hub call. */
const ROBOT_HOSTS: Partial<Record<Target['channel'], string>> = { wecom: 'qyapi.weixin.qq.com', dingtalk: 'oapi.dingtalk.com' };

/**
 * The hub calls these URLs from inside the laboratory's network, and a failed call's answer is shown to the
 * subscriber: so anyone but staff may use e-mail and the robots' public HTTPS hosts only (no request forgery against
 * internal services); generic webhooks and private robot hosts are set up by staff.
 */
function checkTarget(user: AuthUser, target: Target, lang: Language): void {
  if (isStaff(user) || target.channel === 'email') return;
  const host = ROBOT_HOSTS[target.channel];
  const url = new URL(target.url);
  if (!host || url.protocol !== 'https:' || url.hostname !== host) {
    throw new ApiError(403, t(lang, 'notifications.errors.urlForStaff', { host: host ?? '-' }), { field: 'body.target.url' });
  }
}

/** Who is told about alarms, how (webhook, e-mail, 企业微信, 钉钉), and what became of each message (issue 17). */
export const notificationRoutes: FastifyPluginAsyncZod = async (app) => {
  const own = (request: Parameters<typeof currentUser>[0], id: string) => {
    const user = currentUser(request);
    const sub = getSubscription(app.db, id);
    if (!sub || (!isStaff(user) && sub.userId !== user.id)) throw new ApiError(404, t(requestLanguage(request), 'notifications.errors.notFound', { id }));
    return sub;
  };
  // Audit entries never hold the DingTalk signing secret.
  const auditSub = (user: AuthUser, action: string, before?: Subscription, after?: Subscription) =>
    audit(app.db, user, app.now(), { action, entity: 'notification-subscription', entityId: (after ?? before)!.id, before: before && redacted(before), after: after && redacted(after) });

  app.get('/api/v1/notification-subscriptions', {
    schema: { tags: ['notifications'], summary: 'Notification subscriptions: staff see everyone\'s (or one person\'s), others their own', querystring: SubscriptionQuery, response: { 200: SubscriptionList, ...errors } },
  }, async (request) => {
    const user = currentUser(request);
    return { items: listSubscriptions(app.db, isStaff(user) ? request.query.user : user.id).map(redacted) };
  });

  app.post('/api/v1/notification-subscriptions', {
    schema: { tags: ['notifications'], summary: 'Subscribe a person to alarms of one or every piece of equipment on one channel', body: SubscriptionBody, response: { 201: Subscription, ...errors } },
  }, async (request, reply) => {
    const user = currentUser(request);
    const b = request.body;
    const userId = b.userId ?? user.id;
    const lang = requestLanguage(request);
    if (userId !== user.id && !isStaff(user)) throw new ApiError(403, t(lang, 'notifications.errors.otherPerson'), { field: 'body.userId' });
    checkTarget(user, b.target, lang);
    if (!getUser(app.db, userId)) throw new ApiError(400, t(lang, 'notifications.errors.unknownUser', { id: userId }), { field: 'body.userId' });
    if (b.equipmentId && !app.db.prepare('SELECT 1 FROM equipment WHERE id = ?').get(b.equipmentId)) throw new ApiError(400, t(lang, 'notifications.errors.unknownEquipment', { id: b.equipmentId }), { field: 'body.equipmentId' });
    const now = app.now();
    const sub: Subscription = { id: newId('sub'), userId, equipmentId: b.equipmentId, target: b.target, minSeverity: b.minSeverity, enabled: b.enabled, createdAt: now, updatedAt: now };
    writeTransaction(app.db, () => { saveSubscription(app.db, sub); auditSub(user, 'notification-subscription.create', undefined, sub); });
    return reply.status(201).send(redacted(sub));
  });

  app.patch('/api/v1/notification-subscriptions/:id', {
    schema: { tags: ['notifications'], summary: 'Change a subscription (a DingTalk secret sent as "***" keeps the stored one)', params: IdParams, body: SubscriptionPatch, response: { 200: Subscription, ...errors } },
  }, async (request) => {
    const user = currentUser(request);
    const before = own(request, request.params.id);
    const p = request.body;
    if (p.target) checkTarget(user, p.target, requestLanguage(request));
    let target = p.target ?? before.target;
    if (target.channel === 'dingtalk' && target.secret === '***') {
      // "***" is how answers show a stored secret: without one to keep, storing it would make every signature wrong.
      if (before.target.channel !== 'dingtalk' || before.target.secret === undefined) throw new ApiError(400, t(requestLanguage(request), 'notifications.errors.noSecretToKeep'), { field: 'body.target.secret' });
      target = { ...target, secret: before.target.secret };
    }
    const after: Subscription = { ...before, equipmentId: p.equipmentId === undefined ? before.equipmentId : p.equipmentId, target, minSeverity: p.minSeverity ?? before.minSeverity, enabled: p.enabled ?? before.enabled, updatedAt: app.now() };
    writeTransaction(app.db, () => { saveSubscription(app.db, after); auditSub(user, 'notification-subscription.update', before, after); });
    return redacted(after);
  });

  app.delete('/api/v1/notification-subscriptions/:id', {
    schema: { tags: ['notifications'], summary: 'Remove a subscription (its unsent messages with it)', params: IdParams, response: { 200: Ok, ...errors } },
  }, async (request) => {
    const user = currentUser(request);
    const before = own(request, request.params.id);
    writeTransaction(app.db, () => { deleteSubscription(app.db, before.id); auditSub(user, 'notification-subscription.delete', before); });
    return { ok: true as const };
  });

  app.get('/api/v1/notifications', {
    schema: { tags: ['notifications'], summary: 'Messages sent or to send, with their delivery state, attempts and last error: staff see all, others their own', querystring: DeliveryQuery, response: { 200: DeliveryList, ...errors } },
  }, async (request) => {
    const user = currentUser(request);
    const q = request.query;
    return listDeliveries(app.db, { userId: isStaff(user) ? undefined : user.id, subscriptionId: q.subscription, state: q.state, limit: q.limit, offset: q.offset });
  });

  // Not public: the API's port faces customers, and open alarms and failing receivers are the operator's business.
  // A Prometheus scraper authenticates with an engineer's API key (bearer token).
  app.get('/metrics', {
    preHandler: app.requireRole('admin', 'engineer'),
    schema: { tags: ['notifications'], summary: 'Prometheus metrics of the API: notifications by state and channel, send attempts, open alarms (engineers and admins; a scraper uses an API key)', response: { 200: z.string(), ...errors } },
  }, async (_request, reply) => {
    reply.header('content-type', app.notifier.metrics.contentType);
    return app.notifier.metrics.metrics();
  });
};
