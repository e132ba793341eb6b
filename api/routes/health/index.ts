import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getEquipment } from '../../sharing/equipment-store.js';
import { liveState } from '../../sharing/live.js';

const DependencyState = z.object({ status: z.enum(['up', 'degraded', 'down']), detail: z.string().optional() });
const OfflineEquipment = z.object({ id: z.string(), reason: z.string().nullable(), since: z.number().int().nullable() });
const Duties = z.object({
  instanceId: z.string().describe('this API process (random per start, also in its log lines about the lease)'),
  holding: z.boolean().describe('whether this process does the background duties now: opening and closing runs, alarm transitions, sending notifications'),
  holder: z.string().nullable().describe('the instance id of the process holding the lease; null while nobody does (none running, or between a holder dying and a standby taking over)'),
  expiresAt: z.number().int().nullable().describe('when the holder\'s lease runs out unless renewed (epoch ms)'),
});
const Health = z.object({
  status: z.enum(['ok', 'degraded', 'down']).describe('degraded: InfluxDB unreachable, ingest holding a backlog (readings are delayed, not lost) or announced equipment offline or its state not known yet (just after connecting to the broker); down: the broker is unreachable'),
  dependencies: z.object({ influxdb: DependencyState, broker: DependencyState, ingest: DependencyState.optional(), equipment: DependencyState }),
  offlineEquipment: z.array(OfflineEquipment).describe('announced equipment that is offline (not in maintenance): why and since when'),
  duties: Duties.describe('which of several API processes sharing one database does the background duties (docs/scale-out.md)'),
}).meta({ id: 'Health' });

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/health', {
    config: { public: true },
    schema: { tags: ['health'], security: [], summary: 'State of the API and each dependency; 503 when InfluxDB or the broker is unreachable', response: { 200: Health, 503: Health } },
  }, async (_request, reply) => {
    const influxUp = await app.influx.ping();
    const brokerUp = app.registry.brokerConnected;
    const dependencies = {
      influxdb: influxUp ? { status: 'up' as const } : { status: 'down' as const, detail: `no answer from ${app.influx.url}/ping` },
      broker: brokerUp ? { status: 'up' as const } : { status: 'down' as const, detail: 'API is not connected to the MQTT broker' },
    };
    const ingest = app.ingestHealth?.();
    const now = app.now();
    // Until the retained states have arrived an absent gateway status means "not heard yet", not offline.
    const offlineEquipment = !app.registry.settled ? [] : app.registry.list().flatMap((e) => {
      const profile = getEquipment(app.db, e.id);
      const live = profile && liveState(app.db, app.registry, profile, now);
      return live?.status === 'offline' ? [{ id: e.id, reason: live.reason ?? null, since: live.since ?? null }] : [];
    });
    // Not yet known is not "up": right after (re)connecting, health says it is still waiting rather than all is well.
    const refused = app.registry.subscriptionProblem;
    const equipment = brokerUp && !app.registry.settled
      ? { status: 'degraded' as const, detail: refused ? `equipment states not known: ${refused}` : 'equipment states not known yet: the retained gateway statuses are still arriving' }
      : offlineEquipment.length === 0
        ? { status: 'up' as const }
        : { status: 'degraded' as const, detail: `offline: ${offlineEquipment.map((e) => `${e.id} (${e.reason ?? 'no reason given'})`).join(', ')}` };
    const ok = influxUp && brokerUp;
    // InfluxDB away with the broker up is "degraded", not "down": ingest holds readings unacknowledged
    // and the broker keeps them, so they are delayed, not lost. Still 503, since queries fail meanwhile.
    // Equipment offline is degraded with 200: the hub itself serves, but what it shows for that equipment is not live.
    const status = !brokerUp ? 'down' : !influxUp || ingest?.status === 'degraded' || equipment.status === 'degraded' ? 'degraded' : 'ok';
    return reply.status(ok ? 200 : 503).send({
      status,
      dependencies: { ...dependencies, ...(ingest ? { ingest: { status: ingest.status === 'ok' ? 'up' as const : 'degraded' as const, detail: ingest.detail } } : {}), equipment },
      offlineEquipment,
      duties: app.lease.status(),
    });
  });
};
