import { ConfigError, type ConfigProblem, type ParseOptions } from '../common/runtime/config-file.js';
import { siblingModule, startWorker } from '../common/runtime/worker-entry.js';
import type { GatewayConfig } from './config.js';

type Answer = { ok: true; config: GatewayConfig } | { ok: false; problems: ConfigProblem[] } | { ok: false; error: string };

/**
 * Loads and validates the config file in a worker thread. Parsing YAML with positions (for file:line errors)
 * allocates ~10 kB per parameter line: ~100 MB for a 10 000-parameter file, which the main isolate would keep
 * as heap afterwards; a worker's heap goes back to the system when it exits (measured: peak RSS of the
 * 10 000-parameter benchmark gateway). The result is plain data, structured-cloned back.
 */
export function loadGatewayConfigIsolated(file: string, vars: ParseOptions['vars']): Promise<GatewayConfig> {
  const worker = startWorker(siblingModule(import.meta.url, 'config-worker'), { workerData: { file, vars: { ...vars } }, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  return new Promise<GatewayConfig>((resolve, reject) => {
    worker.once('message', (answer: Answer) => {
      if (answer.ok) resolve(answer.config);
      else reject('problems' in answer ? new ConfigError(answer.problems) : new Error(answer.error));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`config worker exited (${code}) without an answer`)));
  });
}
