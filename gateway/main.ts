import { resolve } from 'node:path';
import { ConfigError } from '../common/runtime/config-file.js';
import { createLogger } from '../common/runtime/logger.js';
import { startGatewayFromFile } from './watch.js';

/**
 * The gateway alone: `node --import tsx gateway/main.ts gateway.yaml`. Data (outbox, driver files) under
 * PILOTHUB_DATA_DIR (default ./data/gateway); ${VARS} in the file come from the environment.
 */
const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node --import tsx gateway/main.ts <gateway.yaml>\n');
  process.exit(2);
}
const logger = createLogger('gateway-main');
try {
  const gateway = await startGatewayFromFile(file, process.env, { dataDir: resolve(process.env.PILOTHUB_DATA_DIR ?? 'data/gateway') });
  if (gateway.metricsUrl) process.stdout.write(`gateway metrics on ${gateway.metricsUrl}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'gateway stopping');
    void gateway.stop({ drainMs: 5000 }).then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}
