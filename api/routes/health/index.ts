import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const DependencyState = z.object({ status: z.enum(['up', 'degraded', 'down']), detail: z.string().optional() });
const Health = z.object({
  status: z.enum(['ok', 'degraded', 'down']).describe('degraded: InfluxDB unreachable or ingest holding a backlog (readings are delayed, not lost); down: the broker is unreachable'),
  dependencies: z.object({ influxdb: DependencyState, broker: DependencyState, ingest: DependencyState.optional() }),
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
    const ok = influxUp && brokerUp;
    // InfluxDB away with the broker up is "degraded", not "down": ingest holds readings unacknowledged
    // and the broker keeps them, so they are delayed, not lost. Still 503, since queries fail meanwhile.
    const status = !brokerUp ? 'down' : !influxUp || ingest?.status === 'degraded' ? 'degraded' : 'ok';
    return reply.status(ok ? 200 : 503).send({
      status,
      dependencies: { ...dependencies, ...(ingest ? { ingest: { status: ingest.status === 'ok' ? 'up' as const : 'degraded' as const, detail: ingest.detail } } : {}) },
    });
  });
};
