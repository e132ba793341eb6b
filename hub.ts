import { join } from 'node:path';
import { printCreatedAdmin, type RunningApi } from './api/server.js';
import { startApiThread } from './api/thread.js';
import { startBroker, tlsOptionsFromEnv, type RunningBroker } from './broker/broker.js';
import { ensureServiceAccount } from './broker/service-accounts.js';
import { UserStore, usersFile } from './broker/user-store.js';
import { influxAuthFromEnv, influxStorageFromEnv, type InfluxAuth, type InfluxStorage } from './common/influx/v1-client.js';
import { dataDirFromEnv, gatewayConfigFromEnv, recordGatewayConfig } from './common/runtime/data-dir.js';
import { createLogger, type Logger } from './common/runtime/logger.js';
import { startPrivateInfluxd } from './common/runtime/influxd.js';
import { privateDataDir } from './common/runtime/private-files.js';
import { freePort } from './common/runtime/ports.js';
import { startGatewayFromFile, type WatchedGateway } from './gateway/watch.js';
import { deadLettersFile } from './ingest/dead-letters.js';
import { startIngest, type RunningIngest } from './ingest/ingest.js';
import { loadGatewayConfig } from './gateway/config.js';
import { buildWeb } from './web/build.js';
import { startDemoSimulators } from './simulators/demo.js';
import { demoLogins, demoSetUp, keepDemoBooked, setUpDemo, type DemoLogins } from './demo/setup.js';
import { labTimeZone } from './common/runtime/time-zone.js';
import { fillDemoHistory, type HistoryResult } from './demo/backfill.js';


export interface HubOptions {
  dataDir: string;
  /** Address the API and broker listen on; 127.0.0.1 unless a container or LAN needs more. */
  host: string;
  apiPort: number;
  mqttPort: number;
  gatewayConfig: string;
  /** Demo mode: run the simulated equipment the example gateway config talks to. */
  demo: boolean;
  /** Demo campaign speed: 1 is real time; PILOTHUB_DEMO_SPEED=10 plays a 4-minute dryer cycle in 24 s. */
  demoSpeed: number;
  /** The laboratory's IANA time zone (PILOTHUB_TIME_ZONE, default the machine's): every time a person reads. */
  timeZone?: string;
  /** Hours of history the first demo start fills in (PILOTHUB_DEMO_HISTORY_HOURS, default 24; 0: none). */
  demoHistoryHours: number;
  /** An existing InfluxDB (v1 API); when absent the hub runs its own private influxd. */
  influxUrl?: string;
  /** Its credentials, when it has authentication on. */
  influxAuth?: InfluxAuth;
  /** Database and retention policy (PILOTHUB_INFLUX_DATABASE, PILOTHUB_INFLUX_RETENTION_POLICY); default pilothub. */
  influxStorage?: InfluxStorage;
  /** Ports of ingest's and the gateway's /metrics; 0 lets the kernel pick one (it is logged). */
  ingestMetricsPort: number;
  gatewayMetricsPort: number;
}

export interface RunningHub {
  apiUrl: string;
  mqttUrl: string;
  influxUrl: string;
  /** Set on the start that created the first admin (its password is shown once, in the ready banner). */
  createdAdmin: RunningApi['createdAdmin'];
  /** Demo mode: the demo people's logins, or why there are none. */
  demo?: { logins?: DemoLogins; problem?: string };
  /** First demo start: the history being filled in the background (demo/README.md), and its hours. */
  demoHistory?: { hours: number; done: Promise<HistoryResult | undefined> };
  stop(): Promise<void>;
}

const EXAMPLE_GATEWAY_CONFIG = gatewayConfigFromEnv({});

/** PILOTHUB_DEMO=true|false, else demo mode exactly when the gateway config is the example one. */
function demoFromEnv(raw: string | undefined, example: boolean): boolean {
  if (raw === undefined || raw === '') return example;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new Error(`PILOTHUB_DEMO="${raw}" must be true or false`);
}

function demoHistoryHoursFromEnv(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 24;
  const hours = Number(raw);
  if (!Number.isFinite(hours) || hours < 0 || hours > 168) throw new Error(`PILOTHUB_DEMO_HISTORY_HOURS="${raw}" must be a number of hours from 0 (none) to 168`);
  return hours;
}

function demoSpeedFromEnv(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  const speed = Number(raw);
  if (!Number.isFinite(speed) || speed < 1 || speed > 1000) throw new Error(`PILOTHUB_DEMO_SPEED="${raw}" must be a number from 1 (real time) to 1000`);
  return speed;
}

export function hubOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): HubOptions {
  const gatewayConfig = gatewayConfigFromEnv(env);
  const port = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > 65_535) throw new Error(`${name}="${raw}" is not a port number (0-65535)`);
    return value;
  };
  return {
    dataDir: dataDirFromEnv(env),
    host: env.PILOTHUB_HOST || '127.0.0.1',
    influxUrl: env.PILOTHUB_INFLUX_URL || undefined,
    influxAuth: influxAuthFromEnv(env),
    influxStorage: influxStorageFromEnv(env),
    apiPort: port('PILOTHUB_API_PORT', 8080),
    mqttPort: port('PILOTHUB_MQTT_PORT', 1883),
    ingestMetricsPort: port('PILOTHUB_INGEST_METRICS_PORT', 0),
    gatewayMetricsPort: port('PILOTHUB_GATEWAY_METRICS_PORT', 0),
    gatewayConfig,
    demo: demoFromEnv(env.PILOTHUB_DEMO, gatewayConfig === EXAMPLE_GATEWAY_CONFIG),
    demoSpeed: demoSpeedFromEnv(env.PILOTHUB_DEMO_SPEED),
    // Checked with the other settings, so a misspelt zone stops the start before anything runs.
    timeZone: labTimeZone(env),
    demoHistoryHours: demoHistoryHoursFromEnv(env.PILOTHUB_DEMO_HISTORY_HOURS),
  };
}

/**
 * The whole hub on one machine: private influxd, broker, ingest, API, a gateway and, in demo mode, simulators
 * wired to them. Started in dependency order; stopped in reverse, whatever failed half-way.
 */
export async function startHub(options: HubOptions, signal?: AbortSignal): Promise<RunningHub> {
  // Before the first log line: the log file lives in the data dir, and making the logger tightens it, so the count of
  // what an older install left readable must be taken first.
  const tightened = privateDataDir(options.dataDir);
  const logger = createLogger('hub');
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: Error) => logger.error({ err: err.message }, 'error while stopping'));
    stops.length = 0;
  };
  try {
    if (tightened.changed.length) logger.warn({ dataDir: options.dataDir, count: tightened.changed.length, paths: tightened.changed.slice(0, 20) }, 'took group and other access away from files an older install left readable');
    if (tightened.failed.length) logger.warn({ dataDir: options.dataDir, failed: tightened.failed.slice(0, 20) }, 'could not make these files owner-only; they may be readable by other users');
    recordGatewayConfig(options.dataDir, options.gatewayConfig);
    const influxUrl = options.influxUrl ?? (await privateInfluxd(join(options.dataDir, 'influxdb'), stops));
    // A stop asked for during the start (Ctrl-C, systemd) ends it at the next step; the catch stops what started.
    signal?.throwIfAborted();
    // Anonymous MQTT clients are refused: the hub's own components get accounts with random passwords (broker/README.md "Security").
    const users = new UserStore(usersFile(options.dataDir));
    stops.push(async () => users.close());
    const secrets = join(options.dataDir, 'secrets');
    const ingestAccount = await ensureServiceAccount(users, { username: 'pilothub-ingest', role: 'ingest' }, secrets);
    const apiAccount = await ensureServiceAccount(users, { username: 'pilothub-api', role: 'api' }, secrets);
    // The gateway's account is bound to the equipment its config lists, so it follows the file's reloads too.
    const syncGatewayAccount = () => {
      const config = loadGatewayConfig(options.gatewayConfig);
      return ensureServiceAccount(users, {
        username: config.gateway.id, role: 'gateway', site: config.gateway.site, gateway: config.gateway.id, equipment: config.devices.map((d) => d.id),
      }, secrets);
    };
    const gatewayAccount = await syncGatewayAccount();
    const broker: RunningBroker = await startBroker({
      host: options.host, port: options.mqttPort, portEnvVar: 'PILOTHUB_MQTT_PORT', users,
      persistenceFile: join(options.dataDir, 'broker', 'sessions.sqlite'), tls: tlsOptionsFromEnv(),
      metricsPort: Number(process.env.PILOTHUB_BROKER_METRICS_PORT ?? 0),
    });
    stops.push(() => broker.stop());
    signal?.throwIfAborted();
    const mqttUrl = `mqtt://127.0.0.1:${broker.port}`;
    const ingest: RunningIngest = await startIngest({
      mqttUrl, influxUrl, influxAuth: options.influxAuth, ...options.influxStorage, username: ingestAccount.username, password: ingestAccount.password,
      deadLetterFile: deadLettersFile(options.dataDir), metricsPort: options.ingestMetricsPort, equipmentOwners: users,
      sessionQueue: () => broker.queueDepth('pilothub-ingest'),
    });
    stops.push(() => ingest.stop());
    signal?.throwIfAborted();
    // esbuild is a devDependency: an install without it (npm ci --omit=dev) runs the API without the dashboard.
    await buildWeb().catch((err: Error) => logger.warn({ err: err.message }, 'web dashboard not built; / answers 503'));
    // The API gets a thread of its own, so no request can hold up the gateway's polling or ingest's acknowledgements.
    const api: RunningApi = await startApiThread({
      host: options.host, port: options.apiPort, mqttUrl, influxUrl, influxAuth: options.influxAuth, ...options.influxStorage, portEnvVar: 'PILOTHUB_API_PORT',
      mqttUsername: apiAccount.username, mqttPassword: apiAccount.password, ingestHealth: () => ingest.health(),
      dataDir: join(options.dataDir, 'api'), admin: { email: process.env.PILOTHUB_ADMIN_EMAIL, password: process.env.PILOTHUB_ADMIN_PASSWORD },
      timeZone: options.timeZone,
    }, (reason) => {
      // Exit non-zero so a supervisor (systemd, Docker) restarts the whole hub; queued readings stay on disk.
      logger.fatal({ reason }, `${reason}; stopping the hub`);
      void stopAll().finally(() => process.exit(1));
    });
    stops.push(() => api.stop());
    // At once, not only in the ready banner: a start that fails later must not take the only copy of the password.
    printCreatedAdmin(api.createdAdmin);
    signal?.throwIfAborted();
    // Demo mode only: simulated equipment for the example config. Any other config talks to real devices.
    // The first start's history ends where the simulators' live data begins.
    const historyTo = Date.now();
    const simulators = options.demo ? await startDemoSimulators(options.dataDir, options.demoSpeed) : undefined;
    if (simulators) stops.push(() => simulators.stop());
    signal?.throwIfAborted();
    // A fixed number, not 0: a reload that restarts the gateway must serve /metrics on the same port again.
    const gatewayMetricsPort = options.gatewayMetricsPort || (await freePort());
    const gateway: WatchedGateway = await startGatewayFromFile(options.gatewayConfig, {
      ...process.env, PILOTHUB_MQTT_URL: mqttUrl, PILOTHUB_MQTT_USERNAME: gatewayAccount.username, PILOTHUB_MQTT_PASSWORD: gatewayAccount.password,
      ...simulators?.env,
    }, { dataDir: join(options.dataDir, 'gateway'), metricsPort: gatewayMetricsPort });
    stops.push(() => gateway.stop({ drainMs: 2000 }));
    signal?.throwIfAborted();
    // A device added by a reload publishes under an equipment id the account lacked: the broker refuses it and drops
    // the connection, the outbox keeps the batch, and the reconnect after this update delivers it.
    gateway.onReload((result) => {
      if (result.ok) void syncGatewayAccount().catch((err: Error) => logger.error({ err: err.message }, 'could not update the gateway account after a reload'));
    });
    const demo = options.demo ? await prepareDemo(api, secrets, options.demoSpeed, logger, signal) : undefined;
    // The first demo start's past hours, in the background, once its setup worked: the hub is ready meanwhile (the banner says so).
    const history = demo?.logins && !demo.problem && api.createdAdmin && options.demoHistoryHours > 0
      ? fillDemoHistory({
        gatewayConfig: options.gatewayConfig, mqttUrl, username: gatewayAccount.username, password: gatewayAccount.password,
        dbFile: join(options.dataDir, 'api', 'pilothub.db'), operatorEmail: demo.logins.engineer.email, to: historyTo, hours: options.demoHistoryHours, logger,
      })
      : undefined;
    if (history) stops.push(() => history.stop());
    logger.info({ apiUrl: api.url, mqttUrl, influxUrl: influxUrl, brokerMetricsUrl: `http://127.0.0.1:${broker.metricsPort}/metrics`, gatewayMetricsUrl: gateway.metricsUrl, ingestMetricsUrl: `http://127.0.0.1:${ingest.metricsPort}/metrics` }, 'hub started');
    return {
      apiUrl: api.url, mqttUrl, influxUrl, createdAdmin: api.createdAdmin, demo, stop: stopAll,
      demoHistory: history && { hours: options.demoHistoryHours, done: history.done },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Demo mode (demo/README.md): the first start sets up the demo people and equipment through the API as the new admin;
 * every start keeps the dryer and reactor booked. A failure is reported, not fatal: the hub works without demo data.
 */
async function prepareDemo(api: RunningApi, secrets: string, speed: number, logger: Logger, signal?: AbortSignal): Promise<RunningHub['demo']> {
  try {
    if (api.createdAdmin) await setUpDemo({ apiUrl: api.url, admin: api.createdAdmin, secretsDir: secrets, logger, speed, signal });
    const logins = demoLogins(secrets);
    if (!logins || !demoSetUp(secrets)) {
      const problem = 'the demo setup of the first start did not complete (see its log); start on an empty PILOTHUB_DATA_DIR for a fresh demo';
      logger.error(problem);
      return { logins, problem };
    }
    await keepDemoBooked(api.url, logins, logger);
    return { logins };
  } catch (err) {
    if (signal?.aborted) throw err;
    logger.error({ err: (err as Error).message }, 'demo setup failed; the hub runs without the demo data');
    return { logins: demoLogins(secrets), problem: `demo setup failed: ${(err as Error).message}` };
  }
}

async function privateInfluxd(dataDir: string, stops: (() => Promise<void>)[]): Promise<string> {
  const influxd = await startPrivateInfluxd({ dataDir });
  stops.push(() => influxd.stop());
  return influxd.url;
}
