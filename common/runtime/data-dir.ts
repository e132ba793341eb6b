import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's top directory (where package.json is), for files the hub finds there by default (the example
 * config, the dashboard bundle, the data dir). Found by walking up, because this module runs both from its
 * TypeScript source (common/runtime/) and from the compiled build (dist/common/runtime/).
 */
export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(from, '../..');
  }
}

/**
 * The hub's data directory: PILOTHUB_DATA_DIR, or `data/` in the project. Its own module so `pilothub user` and
 * `pilothub dead-letters` find the hub's files without loading the hub (API, gateway, simulators).
 */
export function dataDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.PILOTHUB_DATA_DIR ?? join(PROJECT_ROOT, 'data'));
}

/** The gateway config `pilothub start` runs: PILOTHUB_GATEWAY_CONFIG, or the example config of the project. */
export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.PILOTHUB_GATEWAY_CONFIG ?? join(PROJECT_ROOT, 'config', 'gateway.example.yaml'));
}

const GATEWAY_CONFIG_RECORD = 'gateway-config-path';

/** Notes in the data dir which gateway config the hub runs, so `pilothub backup` takes that one, whatever its own env. */
export function recordGatewayConfig(dataDir: string, file: string): void {
  writeFileSync(join(dataDir, GATEWAY_CONFIG_RECORD), `${resolve(file)}\n`);
}

/** The gateway config the hub last started on `dataDir` ran with; undefined if none was recorded. */
export function recordedGatewayConfig(dataDir: string): string | undefined {
  try {
    return readFileSync(join(dataDir, GATEWAY_CONFIG_RECORD), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
