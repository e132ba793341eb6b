import rateLimit from '@fastify/rate-limit';
import { rateLimitStore, RateWindows } from './sharing/rate-windows.js';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { InfluxV1Client } from '../common/influx/v1-client.js';
import type { Logger } from '../common/runtime/logger.js';
import type { AlarmEngine } from './alarms/engine.js';
import type { Db } from './db/index.js';
import type { Notifier } from './notifications/notifier.js';
import type { RunSealer } from './seal/run-sealer.js';
import type { Lease } from './lease/lease.js';
import type { EquipmentRegistry } from './live/equipment-registry.js';
import { authPlugin } from './plugins/auth.js';
import { errorsPlugin } from './plugins/errors.js';
import { webPlugin } from './plugins/web.js';
import { PdfPrinter } from './reports/render-pdf.js';
import { alarmRoutes } from './routes/alarms/index.js';
import { auditRoutes } from './routes/audit/index.js';
import { authRoutes } from './routes/auth/index.js';
import { compareRoutes } from './routes/compare/index.js';
import { envelopeRoutes } from './routes/envelopes/index.js';
import { bookingRoutes } from './routes/bookings/index.js';
import { equipmentRoutes } from './routes/equipment/index.js';
import { healthRoutes } from './routes/health/index.js';
import { historyRoutes } from './routes/history/index.js';
import { reportRoutes } from './routes/reports/index.js';
import { icalRoutes } from './routes/ical/index.js';
import { meRoutes } from './routes/me/index.js';
import { notificationRoutes } from './routes/notifications/index.js';
import { peopleRoutes } from './routes/people/index.js';
import { qualificationRoutes } from './routes/qualifications/index.js';
import { runRoutes } from './routes/runs/index.js';
import { serviceReportRoutes } from './routes/service-report/index.js';
import { statusRoutes } from './routes/status/index.js';
import { usageRoutes } from './routes/usage/index.js';
import { labSettings, type LabSettings } from './settings.js';

declare module 'fastify' {
  interface FastifyInstance {
    influx: InfluxV1Client;
    registry: EquipmentRegistry;
    db: Db;
    /** The calendar clock (epoch ms): injected so lead times, grace periods and expiry are testable without sleeping. */
    now: () => number;
    /** The laboratory's IANA time zone (PILOTHUB_TIME_ZONE): every time a person reads is shown in it. */
    timeZone: string;
    /** State of the ingest running beside the API (npm start), for /health; absent when ingest runs elsewhere. */
    ingestHealth: IngestHealthProbe | undefined;
    /** The laboratory's settings (zone, name, service report policy), read and checked once (api/settings.ts). */
    lab: LabSettings;
    /** The one PDF printer (one Chromium) of this process, shared by verification and service reports. */
    printer: PdfPrinter;
    /** Alarms with a lifecycle (api/alarms): routes pass acknowledgements and shelving to it, the status stream listens. */
    alarms: AlarmEngine;
    /** The notification outbox and its dispatcher; its registry is served at /metrics. */
    notifier: Notifier;
    /** Seals closed runs (api/seal); compare and envelopes ask it to seal runs they found unsealed. */
    sealer: RunSealer;
    /** The background-duties lease: /health and /metrics say whether this process holds it and which one does. */
    lease: Lease;
  }
}

export type IngestHealthProbe = () => { status: 'ok' | 'degraded'; detail?: string };

export interface ApiDependencies {
  influx: InfluxV1Client;
  registry: EquipmentRegistry;
  logger: Logger;
  db: Db;
  now?: () => number;
  ingestHealth?: IngestHealthProbe;
  /** Default: PILOTHUB_TIME_ZONE, else the machine's zone. */
  timeZone?: string;
  alarms: AlarmEngine;
  notifier: Notifier;
  sealer: RunSealer;
  lease: Lease;
}

/** Builds the HTTP API: one plugin per area, zod schemas validate requests and generate OpenAPI. */
export async function buildApi(deps: ApiDependencies) {
  // Per-request lines would drown the operational log at 1 Hz dashboards; errors are still logged by the handler.
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('influx', deps.influx);
  app.decorate('registry', deps.registry);
  app.decorate('db', deps.db);
  app.decorate('now', deps.now ?? Date.now);
  app.decorate('ingestHealth', deps.ingestHealth);
  app.decorate('alarms', deps.alarms);
  app.decorate('notifier', deps.notifier);
  app.decorate('sealer', deps.sealer);
  app.decorate('lease', deps.lease);
  // One laboratory zone for the whole API: the one it was started with, else PILOTHUB_TIME_ZONE (api/settings.ts).
  app.decorate('lab', labSettings(process.env, deps.timeZone));
  app.decorate('timeZone', app.lab.timeZone);
  app.decorate('printer', new PdfPrinter());
  app.addHook('onClose', () => app.printer.close());
  await app.register(errorsPlugin);
  // Only routes that opt in are limited (login); counted after body parsing so the key can name the account, and in
  // the database, so the limit holds across API processes sharing it.
  await app.register(rateLimit, { global: false, hook: 'preValidation', store: rateLimitStore(new RateWindows(app.db), app.now) });
  await app.register(authPlugin);
  await app.register(swagger, {
    openapi: {
      info: { title: 'pilothub API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'session token from POST /api/v1/auth/login, or an API key' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  await app.register(healthRoutes);
  await app.register(authRoutes);
  await app.register(meRoutes);
  await app.register(peopleRoutes);
  await app.register(equipmentRoutes);
  await app.register(historyRoutes);
  await app.register(reportRoutes);
  await app.register(qualificationRoutes);
  await app.register(bookingRoutes);
  await app.register(runRoutes);
  await app.register(compareRoutes);
  await app.register(envelopeRoutes);
  await app.register(usageRoutes);
  await app.register(serviceReportRoutes);
  await app.register(auditRoutes);
  await app.register(statusRoutes);
  await app.register(alarmRoutes);
  await app.register(notificationRoutes);
  await app.register(icalRoutes);
  await app.register(webPlugin);
  return app;
}
