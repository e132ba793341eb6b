import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError } from '../common/runtime/config-file.js';
import { loadGatewayConfig } from './config.js';

// The worker side of config-loader.ts: one load, one answer, then the thread ends.
const { file, vars } = workerData as { file: string; vars: Record<string, string | undefined> };
try {
  parentPort!.postMessage({ ok: true, config: loadGatewayConfig(file, vars) });
} catch (err) {
  parentPort!.postMessage(err instanceof ConfigError ? { ok: false, problems: err.problems } : { ok: false, error: (err as Error).message });
}
