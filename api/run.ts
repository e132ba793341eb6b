import { join } from 'node:path';
import { z } from 'zod';
import { influxAuthFromEnv, influxStorageFromEnv } from '../common/influx/v1-client.js';
import { dataDirFromEnv } from '../common/runtime/data-dir.js';
import { createLogger } from '../common/runtime/logger.js';
import { privateDataDir } from '../common/runtime/private-files.js';
import { MqttUrls } from '../common/runtime/mqtt-urls.js';
import { envOrExit, EnvPort, stopOnSignals } from '../common/runtime/process.js';
import type { IngestHealthProbe } from './app.js';
import { printCreatedAdmin, startApi } from './server.js';

const ApiEnv = z.object({
  PILOTHUB_HOST: z.string().min(1).default('127.0.0.1'),
  PILOTHUB_API_PORT: EnvPort.default(8080),
  PILOTHUB_MQTT_URL: MqttUrls.default('mqtt://127.0.0.1:1883'),
  PILOTHUB_MQTT_USERNAME: z.string().optional(),
  PILOTHUB_MQTT_PASSWORD: z.string().optional(),
  PILOTHUB_INFLUX_URL: z.url(),
  PILOTHUB_INGEST_HEALTH_URL: z.url().optional().describe("ingest's /health, so the API's /health reports it"),
  PILOTHUB_ADMIN_EMAIL: z.string().optional(),
  PILOTHUB_ADMIN_PASSWORD: z.string().optional(),
});

/** How often the API asks a separate ingest process how it is; /health reports the latest answer. */
const INGEST_POLL_MS = 5000;

/** Follows ingest's /health over HTTP; unreachable counts as degraded, with the reason. */
function ingestOverHttp(url: string): { probe: IngestHealthProbe; stop(): void } {
  let latest: ReturnType<IngestHealthProbe> = { status: 'degraded', detail: `no answer yet from ${url}` };
  const poll = async () => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(INGEST_POLL_MS) });
      const body = await res.json() as { status?: string; detail?: string };
      latest = body.status === 'ok' ? { status: 'ok' } : { status: 'degraded', detail: body.detail ?? `ingest says ${body.status ?? res.status}` };
    } catch (err) {
      latest = { status: 'degraded', detail: `ingest at ${url} does not answer: ${(err as Error).message}` };
    }
  };
  void poll();
  const timer = setInterval(() => void poll(), INGEST_POLL_MS);
  timer.unref();
  return { probe: () => latest, stop: () => clearInterval(timer) };
}

/** `pilothub api`: the HTTP API and dashboard alone, configured from the environment; /health on its own port. */
export async function runApi(): Promise<void> {
  const env = envOrExit('api', ApiEnv);
  const dataDir = dataDirFromEnv();
  privateDataDir(dataDir);
  const ingest = env.PILOTHUB_INGEST_HEALTH_URL ? ingestOverHttp(env.PILOTHUB_INGEST_HEALTH_URL) : undefined;
  const api = await startApi({
    host: env.PILOTHUB_HOST, port: env.PILOTHUB_API_PORT, portEnvVar: 'PILOTHUB_API_PORT',
    mqttUrl: env.PILOTHUB_MQTT_URL, mqttUsername: env.PILOTHUB_MQTT_USERNAME, mqttPassword: env.PILOTHUB_MQTT_PASSWORD,
    influxUrl: env.PILOTHUB_INFLUX_URL, influxAuth: influxAuthFromEnv(), ...influxStorageFromEnv(), ingestHealth: ingest?.probe,
    dataDir: join(dataDir, 'api'), admin: { email: env.PILOTHUB_ADMIN_EMAIL, password: env.PILOTHUB_ADMIN_PASSWORD },
  });
  printCreatedAdmin(api.createdAdmin);
  stopOnSignals('api', async () => {
    ingest?.stop();
    await api.stop();
  });
  createLogger('api-main').info({ url: api.url }, 'api ready');
  process.stdout.write(`pilothub api ready: ${api.url} (health ${api.url}/health)\n`);
}
