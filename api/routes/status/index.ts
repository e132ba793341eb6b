import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isShelved, listAlarms } from '../../alarms/store.js';
import { listEquipment } from '../../sharing/equipment-store.js';
import { liveState, offlineInfo } from '../../sharing/live.js';
import { userForToken, type AuthUser } from '../../sharing/people.js';
import { canSeeOrg, visibleWindows } from '../../sharing/tenancy.js';
import { errors } from '../common.js';
import { StatusList, type LiveValues } from './schemas.js';

const CALENDAR_TICK_MS = 1000;
const HEARTBEAT_MS = 15_000;
/** Telemetry changes are pushed at most this often per stream: a busy line sends many messages a second, and each push re-derives every status. */
const PUSH_COALESCE_MS = 200;

export const statusRoutes: FastifyPluginAsyncZod = async (app) => {
  const streams = new Set<ServerResponse>();
  const statuses = () => {
    const at = app.now();
    return listEquipment(app.db).map((p) => {
      const live = liveState(app.db, app.registry, p, at);
      const offline = offlineInfo(live);
      return { equipmentId: p.id, status: live.status, at, ...(offline ? { offline } : {}) };
    });
  };
  /**
   * Latest values the user may see now: staff always; a customer only during their own open run on it, and only
   * values stamped within that run (a setpoint or batch id unchanged since the previous firm's run is not theirs).
   */
  const liveValues = (user: AuthUser): LiveValues[] => {
    const now = app.now();
    return app.registry.list().flatMap((e) => {
      const windows = visibleWindows(app.db, user, e.id, now);
      if (!windows) return [{ equipmentId: e.id, values: Object.fromEntries(e.values) }];
      // Run windows are half-open: at the instant a run ends the data is the next run's, not this one's.
      const open = windows.find((w) => w.from <= now && now < w.to);
      if (!open) return [];
      return [{ equipmentId: e.id, values: Object.fromEntries([...e.values].filter(([, value]) => value.t >= open.from)) }];
    });
  };
  // Open streams never go idle, so end them before the server waits for its connections to close.
  app.addHook('preClose', async () => { for (const s of streams) s.end(); });

  app.get('/api/v1/status', {
    schema: { tags: ['status'], summary: 'Live status of every piece of equipment', response: { 200: StatusList, ...errors } },
  }, async () => ({ items: statuses() }));

  app.get('/api/v1/status/stream', {
    schema: {
      tags: ['status'], produces: ['text/event-stream'],
      summary: 'Server-Sent Events: a "status" event per equipment at connect and whenever its status changes; a "values" event with the latest readings whenever they change (customers: only during their own open run); an "alarm" event per open alarm at connect and per alarm transition (customers: their own alarms; shelved ones only when shelved and when the shelf expires)',
      response: { 200: z.string().describe('event: status\\ndata: {"equipmentId":"dryer-1","status":"running","at":…}'), ...errors },
    },
  }, async (request, reply) => {
    // The auth hook accepted this token once; a stream lives for hours, so revocation is re-checked on every push.
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    streams.add(res);
    const last = new Map<string, string>();
    const lastValues = new Map<string, string>();
    const push = () => {
      const user = userForToken(app.db, token, app.now());
      if (!user) { res.end(); return; }
      try {
        for (const s of statuses()) {
          // A new reason (connection refused -> unit not answering) is news even when the status stays offline.
          const shown = `${s.status}\n${s.offline?.reason ?? ''}`;
          if (last.get(s.equipmentId) === shown) continue;
          last.set(s.equipmentId, shown);
          res.write(`event: status\ndata: ${JSON.stringify(s)}\n\n`);
        }
        // Live values ride the stream so dashboards need not poll InfluxDB for them.
        for (const v of liveValues(user)) {
          const data = JSON.stringify(v);
          if (lastValues.get(v.equipmentId) === data) continue;
          lastValues.set(v.equipmentId, data);
          res.write(`event: values\ndata: ${data}\n\n`);
        }
      } catch (err) {
        request.log.error({ err }, 'status stream update failed');
      }
    };
    push();
    const alarmEvent = (alarm: unknown) => res.write(`event: alarm\ndata: ${JSON.stringify(alarm)}\n\n`);
    const first = userForToken(app.db, token, app.now());
    if (first) for (const a of listAlarms(app.db, first, { state: 'open', limit: 500, offset: 0 }, app.now()).items.reverse()) alarmEvent(a);
    const unsubscribeAlarms = app.alarms.onEvent(({ alarm, transition }) => {
      const user = userForToken(app.db, token, app.now());
      if (!user || !canSeeOrg(user, alarm.orgId)) return;
      // 'unshelved' is told as the holder recorded it, even when this process's clock is a little behind the holder's.
      if (transition !== 'shelved' && transition !== 'unshelved' && isShelved(alarm, app.now())) return;
      alarmEvent({ ...alarm, transition });
    });
    let pending: NodeJS.Timeout | undefined;
    const unsubscribe = app.registry.onChange(() => {
      pending ??= setTimeout(() => { pending = undefined; push(); }, PUSH_COALESCE_MS);
    });
    // Bookings and maintenance windows start and end with time, not with telemetry.
    const tick = setInterval(push, CALENDAR_TICK_MS);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const stop = () => {
      unsubscribe();
      unsubscribeAlarms();
      clearTimeout(pending);
      clearInterval(tick);
      clearInterval(heartbeat);
      streams.delete(res);
    };
    // 'close' is the client going away; 'finish' is push() ending the stream after a revocation.
    res.on('close', stop);
    res.on('finish', stop);
  });
};
