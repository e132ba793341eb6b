import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { z } from 'zod';
import { ConfigError } from '../common/runtime/config-file.js';
import { dataDirFromEnv } from '../common/runtime/data-dir.js';
import { createLogger } from '../common/runtime/logger.js';
import { privateDataDir } from '../common/runtime/private-files.js';
import { envOrExit, EnvPort, stopOnSignals } from '../common/runtime/process.js';
import { startGatewayFromFile } from './watch.js';

const GatewayEnv = z.object({ PILOTHUB_GATEWAY_METRICS_PORT: EnvPort.optional() });

/**
 * How far V8 lets the old generation grow past what survived the last full collection before the next one: its own
 * choice goes up to 4x. Readings and payloads outlive two young collections while poll cycles run, so at 100 000
 * tags ~13 MB/s reach the old generation and RSS swung between ~250 and ~450 MB; with 1.5x it stays near 250 MB, for
 * more frequent full collections of a ~80 MB heap (issue #20, docs/gateway-scale.md). V8 reads it at each full collection.
 */
const HEAP_GROWING_PERCENT = 50;

/**
 * `pilothub gateway FILE`: the edge process. Outbox and driver files under PILOTHUB_DATA_DIR/gateway; ${VARS} in
 * the file come from the environment; /metrics on the config's port or PILOTHUB_GATEWAY_METRICS_PORT. Loads
 * only the gateway's own modules (no API, report or browser code).
 */
export async function runGateway(file: string): Promise<void> {
  const env = envOrExit('gateway', GatewayEnv);
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  const dataDir = dataDirFromEnv();
  privateDataDir(dataDir);
  const logger = createLogger('gateway-main');
  try {
    const gateway = await startGatewayFromFile(resolve(file), process.env, { dataDir: join(dataDir, 'gateway'), metricsPort: env.PILOTHUB_GATEWAY_METRICS_PORT });
    // Batches still queued go out on the next start; 5 s lets a healthy link deliver what was just read.
    stopOnSignals('gateway', () => gateway.stop({ drainMs: 5000 }));
    logger.info({ metricsUrl: gateway.metricsUrl }, 'gateway ready');
    if (gateway.metricsUrl) process.stdout.write(`gateway metrics on ${gateway.metricsUrl}\n`);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}
