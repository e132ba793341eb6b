import { z } from 'zod';
import { influxAuthFromEnv, influxStorageFromEnv } from '../common/influx/v1-client.js';
import { dataDirFromEnv } from '../common/runtime/data-dir.js';
import { createLogger } from '../common/runtime/logger.js';
import { MqttUrls } from '../common/runtime/mqtt-urls.js';
import { envOrExit, EnvPort, stopOnSignals } from '../common/runtime/process.js';
import { equipmentOwnersFromFile } from './account-bindings.js';
import { deadLettersFile } from './dead-letters.js';
import { startIngest } from './ingest.js';

const optionalInt = z.coerce.number().int().nonnegative().optional();
export const IngestEnv = z.object({
  PILOTHUB_MQTT_URL: MqttUrls.default('mqtt://127.0.0.1:1883'),
  PILOTHUB_INFLUX_URL: z.url(),
  PILOTHUB_MQTT_USERNAME: z.string().optional(),
  PILOTHUB_MQTT_PASSWORD: z.string().optional(),
  PILOTHUB_INGEST_CLIENT_ID: z.string().min(1).default('pilothub-ingest'),
  PILOTHUB_INGEST_FILTERS: z.string().optional().describe('comma-separated topic filters, e.g. pilothub/v1/hall-a/+/data'),
  PILOTHUB_INGEST_DEAD_LETTERS: z.string().optional().describe('SQLite file for rejected messages'),
  PILOTHUB_HOST: z.string().min(1).default('127.0.0.1').describe('address /metrics and /health listen on'),
  PILOTHUB_INGEST_METRICS_PORT: EnvPort.default(9101),
  PILOTHUB_INGEST_MAX_BATCH_LINES: optionalInt,
  PILOTHUB_INGEST_MAX_BATCH_DELAY_MS: optionalInt,
  PILOTHUB_INGEST_MAX_UNACKED_AGE_MS: optionalInt,
  PILOTHUB_INGEST_ACCOUNTS: z.string().optional().describe("the broker's user store (users.sqlite): store each batch under the gateway its equipment is bound to"),
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
  const logger = createLogger('ingest-main', { clientId: env.PILOTHUB_INGEST_CLIENT_ID });
  const ingest = await startIngest({
    mqttUrl: env.PILOTHUB_MQTT_URL,
    influxUrl: env.PILOTHUB_INFLUX_URL,
    influxAuth: influxAuthFromEnv(),
    ...influxStorageFromEnv(),
    username: env.PILOTHUB_MQTT_USERNAME,
    password: env.PILOTHUB_MQTT_PASSWORD,
    clientId: env.PILOTHUB_INGEST_CLIENT_ID,
    filters: env.PILOTHUB_INGEST_FILTERS?.split(',').map((f) => f.trim()).filter(Boolean),
    deadLetterFile: env.PILOTHUB_INGEST_DEAD_LETTERS ?? deadLettersFile(dataDirFromEnv()),
    metricsPort: env.PILOTHUB_INGEST_METRICS_PORT,
    metricsHost: env.PILOTHUB_HOST,
    maxBatchLines: env.PILOTHUB_INGEST_MAX_BATCH_LINES,
    maxBatchDelayMs: env.PILOTHUB_INGEST_MAX_BATCH_DELAY_MS,
    maxUnackedAgeMs: env.PILOTHUB_INGEST_MAX_UNACKED_AGE_MS,
    equipmentOwners,
  });
  stopOnSignals('ingest', () => ingest.stop());
  logger.info({ metricsPort: ingest.metricsPort }, `ingest ready; /metrics and /health on port ${ingest.metricsPort}`);
}
