import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { InfluxV1Client } from '../common/influx/v1-client.js';
import type { Logger } from '../common/runtime/logger.js';
import type { EquipmentRegistry } from './live/equipment-registry.js';
import { errorsPlugin } from './plugins/errors.js';
import { equipmentRoutes } from './routes/equipment/index.js';
import { healthRoutes } from './routes/health/index.js';
import { historyRoutes } from './routes/history/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    influx: InfluxV1Client;
    registry: EquipmentRegistry;
  }
}

export interface ApiDependencies {
  influx: InfluxV1Client;
  registry: EquipmentRegistry;
  logger: Logger;
}

/** Builds the HTTP API: one plugin per area, zod schemas validate requests and generate OpenAPI. */
export async function buildApi(deps: ApiDependencies) {
  // Per-request lines would drown the operational log at 1 Hz dashboards; errors are still logged by the handler.
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('influx', deps.influx);
  app.decorate('registry', deps.registry);
  await app.register(errorsPlugin);
  await app.register(swagger, {
    openapi: { info: { title: 'pilothub API', version: '1' } },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  await app.register(healthRoutes);
  await app.register(equipmentRoutes);
  await app.register(historyRoutes);
  return app;
}
