import { hostname } from 'node:os';
import { z } from 'zod';
import { Identifier } from '../common/contracts/ids.js';
import { influxAuthFromEnv, influxStorageFromEnv } from '../common/influx/v1-client.js';
import { dataDirFromEnv } from '../common/runtime/data-dir.js';
import { createLogger } from '../common/runtime/logger.js';
import { MqttUrls } from '../common/runtime/mqtt-urls.js';
import { envOrExit, EnvPort, stopOnSignals } from '../common/runtime/process.js';
import { equipmentOwnersFromFile } from './account-bindings.js';
import { deadLettersFile } from './dead-letters.js';
import { startIngest } from './ingest.js';
import { startIngestShares } from './shares.js';

const optionalInt = z.coerce.number().int().nonnegative().optional();
/** Comma-separated site ids. */
const SiteList = z.string().transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean)).pipe(z.array(Identifier).min(1));
export const IngestEnv = z.object({
  PILOTHUB_MQTT_URL: MqttUrls.default('mqtt://127.0.0.1:1883'),
  PILOTHUB_INFLUX_URL: z.url(),
  PILOTHUB_MQTT_USERNAME: z.string().optional(),
  PILOTHUB_MQTT_PASSWORD: z.string().optional(),
  PILOTHUB_INGEST_CLIENT_ID: z.string().min(1).optional().describe('session id, default pilothub-ingest'),
  PILOTHUB_INGEST_FILTERS: z.string().optional().describe('comma-separated topic filters, e.g. pilothub/v1/hall-a/+/data'),
  PILOTHUB_INGEST_DEAD_LETTERS: z.string().optional().describe('SQLite file for rejected messages'),
  PILOTHUB_HOST: z.string().min(1).default('127.0.0.1').describe('address /metrics and /health listen on'),
  PILOTHUB_INGEST_METRICS_PORT: EnvPort.default(9101),
  PILOTHUB_INGEST_MAX_BATCH_LINES: optionalInt,
  PILOTHUB_INGEST_MAX_BATCH_DELAY_MS: optionalInt,
  PILOTHUB_INGEST_MAX_UNACKED_AGE_MS: optionalInt,
  PILOTHUB_INGEST_ACCOUNTS: z.string().optional().describe("the broker's user store (users.sqlite): store each batch under the gateway its equipment is bound to"),
  PILOTHUB_INGEST_SHARES: SiteList.optional().describe('sites this process may consume, each as a share another process takes over when it dies (ingest/shares.ts)'),
  PILOTHUB_INGEST_PREFERRED: SiteList.optional().describe('of the shares, those taken at once when free; the others after the takeover delay'),
  PILOTHUB_INGEST_INSTANCE: z.string().min(1).max(200).default(`${hostname()}-${process.pid}`),
  PILOTHUB_INGEST_TAKEOVER_DELAY_MS: optionalInt,
}).superRefine((env, ctx) => {
  if (!env.PILOTHUB_INGEST_SHARES) {
    if (env.PILOTHUB_INGEST_PREFERRED) ctx.addIssue({ code: 'custom', path: ['PILOTHUB_INGEST_PREFERRED'], message: 'needs PILOTHUB_INGEST_SHARES' });
    return;
  }
  for (const name of ['PILOTHUB_INGEST_CLIENT_ID', 'PILOTHUB_INGEST_FILTERS'] as const) {
    if (env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'not with PILOTHUB_INGEST_SHARES: each share has its own session (pilothub-ingest-<site>) and filter' });
  }
  const unknown = env.PILOTHUB_INGEST_PREFERRED?.filter((s) => !env.PILOTHUB_INGEST_SHARES!.includes(s)) ?? [];
  if (unknown.length) ctx.addIssue({ code: 'custom', path: ['PILOTHUB_INGEST_PREFERRED'], message: `${unknown.join(', ')} not in PILOTHUB_INGEST_SHARES` });
});

/** `pilothub ingest`: ingest alone as its own process, configured from the environment (ingest/README.md). */
export async function runIngest(): Promise<void> {
  const env = envOrExit('ingest', IngestEnv);
  let equipmentOwners;
  try {
    equipmentOwners = env.PILOTHUB_INGEST_ACCOUNTS ? equipmentOwnersFromFile(env.PILOTHUB_INGEST_ACCOUNTS) : undefined;
  } catch (err) {
    process.stderr.write(`pilothub ingest: PILOTHUB_INGEST_ACCOUNTS="${env.PILOTHUB_INGEST_ACCOUNTS}": ${(err as Error).message}\n`);
    process.exit(2);
  }
  const common = {
    mqttUrl: env.PILOTHUB_MQTT_URL,
    influxUrl: env.PILOTHUB_INFLUX_URL,
    influxAuth: influxAuthFromEnv(),
    ...influxStorageFromEnv(),
    username: env.PILOTHUB_MQTT_USERNAME,
    password: env.PILOTHUB_MQTT_PASSWORD,
    deadLetterFile: env.PILOTHUB_INGEST_DEAD_LETTERS ?? deadLettersFile(dataDirFromEnv()),
    metricsPort: env.PILOTHUB_INGEST_METRICS_PORT,
    metricsHost: env.PILOTHUB_HOST,
    maxBatchLines: env.PILOTHUB_INGEST_MAX_BATCH_LINES,
    maxBatchDelayMs: env.PILOTHUB_INGEST_MAX_BATCH_DELAY_MS,
    maxUnackedAgeMs: env.PILOTHUB_INGEST_MAX_UNACKED_AGE_MS,
    equipmentOwners,
  };
  if (env.PILOTHUB_INGEST_SHARES) {
    const logger = createLogger('ingest-main', { instance: env.PILOTHUB_INGEST_INSTANCE });
    const shares = await startIngestShares({
      ...common, instance: env.PILOTHUB_INGEST_INSTANCE, shares: env.PILOTHUB_INGEST_SHARES,
      preferred: env.PILOTHUB_INGEST_PREFERRED ?? [], takeoverDelayMs: env.PILOTHUB_INGEST_TAKEOVER_DELAY_MS,
    });
    stopOnSignals('ingest', () => shares.stop());
    logger.info({ metricsPort: shares.metricsPort, shares: env.PILOTHUB_INGEST_SHARES }, `ingest ready for shares ${env.PILOTHUB_INGEST_SHARES.join(', ')}; /metrics and /health on port ${shares.metricsPort}`);
    return;
  }
  const clientId = env.PILOTHUB_INGEST_CLIENT_ID ?? 'pilothub-ingest';
  const logger = createLogger('ingest-main', { clientId });
  const ingest = await startIngest({
    ...common,
    clientId,
    filters: env.PILOTHUB_INGEST_FILTERS?.split(',').map((f) => f.trim()).filter(Boolean),
  });
  stopOnSignals('ingest', () => ingest.stop());
  logger.info({ metricsPort: ingest.metricsPort }, `ingest ready; /metrics and /health on port ${ingest.metricsPort}`);
}
