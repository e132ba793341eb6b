import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { InfluxV1Client, type InfluxAuth } from '../common/influx/v1-client.js';
import { createLogger } from '../common/runtime/logger.js';
import { describeListenError } from '../common/runtime/ports.js';
import { labTimeZone } from '../common/runtime/time-zone.js';
import { createAlarmEngine } from './alarms/index.js';
import type { AlarmSettings } from './alarms/model.js';
import { buildApi, type IngestHealthProbe } from './app.js';
import { openDatabase } from './db/index.js';
import { BACKGROUND_DUTIES, Lease, type LeaseOptions } from './lease/lease.js';
import { EquipmentRegistry } from './live/equipment-registry.js';
import { notificationSettingsFromEnv, DEFAULT_NOTIFICATION_SETTINGS, type NotificationSettings } from './notifications/model.js';
import { Notifier } from './notifications/notifier.js';
import { RunSealer } from './seal/run-sealer.js';
import { DEFAULT_SEAL_SETTINGS, sealSettingsFromEnv, type SealSettings } from './seal/settings.js';
import { bootstrapPeople } from './sharing/people.js';
import { RunTracker } from './sharing/run-tracker.js';

export interface ApiOptions {
  /** The in-process ingest's state (npm start passes it); /health reports "degraded" while it has write errors or a backlog. */
  ingestHealth?: IngestHealthProbe;
  host?: string;
  port: number;
  mqttUrl: string;
  mqttUsername?: string;
  mqttPassword?: string;
  influxUrl: string;
  /** Credentials when the InfluxDB has authentication on. */
  influxAuth?: InfluxAuth;
  database?: string;
  /** A retention policy other than the database's default (PILOTHUB_INFLUX_RETENTION_POLICY). */
  retentionPolicy?: string;
  portEnvVar?: string;
  /** Metadata (SQLite, `pilothub.db`) lives here; without it the database is in memory and gone at stop. */
  dataDir?: string;
  /** First start only: the admin to create (PILOTHUB_ADMIN_EMAIL / PILOTHUB_ADMIN_PASSWORD). */
  admin?: { email?: string; password?: string };
  /** The calendar clock; tests inject one to move through lead times, grace periods and expiry. */
  now?: () => number;
  /** The laboratory's IANA zone; default PILOTHUB_TIME_ZONE, else the machine's (checked first: a bad name stops the start). */
  timeZone?: string;
  /** How often the run tracker re-checks run conditions, close timeouts and no-shows. */
  trackerTickMs?: number;
  /** Alarm delays and the envelope lookup of live deviation (api/alarms/README.md). */
  alarms?: Partial<AlarmSettings>;
  /** Grouping, rate limit, retries and SMTP of alarm notifications; default from PILOTHUB_SMTP_URL / PILOTHUB_SMTP_FROM. */
  notifications?: Partial<NotificationSettings>;
  /** When and how closed runs are sealed (api/seal); default delay from PILOTHUB_RUN_SEAL_DELAY_S. */
  runSeal?: Partial<SealSettings>;
  /** Term and renewal of the lease that makes one process at a time do the background duties (api/lease). */
  lease?: Partial<LeaseOptions>;
  /** How long after subscribing the broker's retained gateway statuses count as arrived (default 2 s, for a broker on a LAN). */
  retainedSettleMs?: number;
}

export interface RunningApi {
  url: string;
  /** Set when this start created the first admin; the password is printed once and stored only hashed. */
  createdAdmin: { email: string; password: string; generated: boolean } | null;
  stop(): Promise<void>;
}

/** Printed once, to the terminal only: the password is stored hashed and never logged. */
export function printCreatedAdmin(created: RunningApi['createdAdmin']): void {
  if (!created) return;
  process.stdout.write(`pilothub created the first admin: ${created.email}${created.generated ? ` with password ${created.password} (shown only now)` : ' (password from PILOTHUB_ADMIN_PASSWORD)'}\n`);
}

export async function startApi(options: ApiOptions): Promise<RunningApi> {
  const timeZone = options.timeZone ?? labTimeZone();
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? Date.now;
  // Checked before anything starts: a bad PILOTHUB_RUN_SEAL_DELAY_S stops the start naming it.
  const sealSettings = { ...DEFAULT_SEAL_SETTINGS, ...sealSettingsFromEnv(process.env), ...options.runSeal };
  const logger = createLogger('api');
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  // What has started, stopped in reverse at stop or when a later step of the start fails: a lease left held would
  // keep a standby waiting out its term, and its renewal timer would keep a failed process's duties alive.
  const started: (() => unknown)[] = [];
  const closeAll = async () => { for (const stop of started.splice(0).reverse()) await stop(); };
  const db = openDatabase(options.dataDir ? join(options.dataDir, 'pilothub.db') : ':memory:');
  started.push(() => db.close());
  let app: Awaited<ReturnType<typeof buildApi>>;
  let createdAdmin: RunningApi['createdAdmin'];
  try {
    createdAdmin = await bootstrapPeople(db, now(), options.admin ?? {});
    if (createdAdmin) logger.info({ email: createdAdmin.email, generatedPassword: createdAdmin.generated }, 'created the first admin');
    const influx = new InfluxV1Client(options.influxUrl, options.database ?? 'pilothub', undefined, { auth: options.influxAuth, retentionPolicy: options.retentionPolicy });
    const registry = new EquipmentRegistry(logger, options.retainedSettleMs);
    started.push(() => registry.close());
    await registry.connect(options.mqttUrl, { username: options.mqttUsername, password: options.mqttPassword });
    // Duties that must happen once however many API processes share the database are done by the lease's holder
    // (docs/scale-out.md): the run tracker's writes, the alarm engine's transitions and the notifier's sending.
    const lease = new Lease(db, BACKGROUND_DUTIES, logger.child({ component: 'lease' }), options.lease);
    // First try before the duties start, so a lone process does them from its first evaluation.
    lease.start();
    started.push(() => lease.stop());
    const tracker = new RunTracker(db, registry, now, logger, lease);
    tracker.start(options.trackerTickMs);
    started.push(() => tracker.stop());
    const alarms = createAlarmEngine(db, registry, influx, now, logger, lease, options.alarms);
    lease.onChange((held) => { if (held) alarms.engine.resync(); });
    const notifier = new Notifier(db, now, logger.child({ component: 'notifications' }), { ...DEFAULT_NOTIFICATION_SETTINGS, ...notificationSettingsFromEnv(process.env), ...options.notifications }, timeZone, lease);
    lease.registerMetrics(notifier.metrics);
    alarms.engine.withinTransition((e) => notifier.enqueue(e));
    alarms.engine.start(alarms.settings.tickMs);
    started.push(() => alarms.engine.stop());
    notifier.start();
    started.push(() => notifier.stop());
    // Not gated: the sealer claims each run in the database before sealing it, so any number of processes may run one.
    const sealer = new RunSealer(db, influx, now, logger.child({ component: 'run-seal' }), sealSettings);
    sealer.start();
    started.push(() => sealer.stop());
    app = await buildApi({ influx, registry, logger, db, now, ingestHealth: options.ingestHealth, timeZone, alarms: alarms.engine, notifier, sealer, lease });
  } catch (err) {
    await closeAll();
    throw err;
  }
  try {
    await app.listen({ host, port: options.port });
  } catch (err) {
    await closeAll();
    throw describeListenError(err, 'API', host, options.port, options.portEnvVar);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${host}:${port}`,
    createdAdmin,
    stop: async () => {
      await app.close();
      await closeAll();
    },
  };
}
