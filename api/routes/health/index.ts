import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const DependencyState = z.object({ status: z.enum(['up', 'down']), detail: z.string().optional() });
const Health = z.object({
  status: z.enum(['ok', 'down']),
  dependencies: z.object({ influxdb: DependencyState, broker: DependencyState }),
}).meta({ id: 'Health' });

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/health', {
    config: { public: true },
    schema: { tags: ['health'], security: [], summary: 'State of the API and each dependency; 503 when one is down', response: { 200: Health, 503: Health } },
  }, async (_request, reply) => {
    const influxUp = await app.influx.ping();
    const brokerUp = app.registry.brokerConnected;
    const dependencies = {
      influxdb: influxUp ? { status: 'up' as const } : { status: 'down' as const, detail: `no answer from ${app.influx.url}/ping` },
      broker: brokerUp ? { status: 'up' as const } : { status: 'down' as const, detail: 'API is not connected to the MQTT broker' },
    };
    const ok = influxUp && brokerUp;
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'down', dependencies });
  });
};
