import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ConfigError, formatProblem, type ConfigProblem, type ParseOptions } from '../common/runtime/config-file.js';
import { createLogger } from '../common/runtime/logger.js';
import type { GatewayConfig } from './config.js';
import { loadGatewayConfigIsolated } from './config-loader.js';
import { startGateway, type DeviceChanges, type GatewayOptions, type RunningGateway } from './gateway.js';

export type ReloadResult =
  | { ok: true; restartedGateway: boolean; devices: DeviceChanges }
  | { ok: false; problems: ConfigProblem[] };

export interface WatchedGateway extends RunningGateway {
  /** Called after each reload attempt, valid or not. */
  onReload(listener: (result: ReloadResult) => void): void;
  /** Reloads the file now (what a change of the file triggers after the debounce). */
  reload(): Promise<ReloadResult>;
}

const DEBOUNCE_MS = 300;

/**
 * Runs a gateway from a config file and follows the file: after a change settles, a valid new file restarts
 * only the devices that changed (and republishes their births); a change of the gateway, MQTT, buffer or
 * metrics sections restarts the whole gateway (the outbox keeps what was queued). An invalid file is
 * reported problem by problem with file:line and the running configuration stays.
 */
export async function startGatewayFromFile(file: string, vars: ParseOptions['vars'], options: GatewayOptions): Promise<WatchedGateway> {
  const path = resolve(file);
  const logger = createLogger('gateway-config', { file: path });
  let current = await startGateway(await loadGatewayConfigIsolated(path, vars), options);
  const listeners: ((result: ReloadResult) => void)[] = [];
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;

  const reloadNow = async (): Promise<ReloadResult> => {
    let next: GatewayConfig;
    try {
      next = await loadGatewayConfigIsolated(path, vars);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const p of err.problems) logger.error({ line: p.line, path: p.path, subject: p.subject }, `config not reloaded: ${formatProblem(p)}`);
      logger.error({ problems: err.problems.length }, `${path} has ${err.problems.length} problem(s); the running configuration stays`);
      current.metrics.configReloads.inc({ result: 'invalid' });
      return { ok: false, problems: err.problems };
    }
    const { devices: _before, ...coreBefore } = current.config();
    const { devices: _after, ...coreAfter } = next;
    if (JSON.stringify(coreBefore) !== JSON.stringify(coreAfter)) {
      logger.info('gateway, mqtt, buffer or metrics settings changed: restarting the gateway');
      const devices = { added: next.devices.map((d) => d.id), changed: [], removed: current.config().devices.map((d) => d.id) };
      await current.stop();
      current = await startGateway(next, options);
      current.metrics.configReloads.inc({ result: 'applied' });
      return { ok: true, restartedGateway: true, devices };
    }
    const devices = await current.applyDevices(next);
    current.metrics.configReloads.inc({ result: 'applied' });
    return { ok: true, restartedGateway: false, devices };
  };
  const reload = () => {
    const run = chain.then(reloadNow);
    chain = run.catch(() => undefined);
    return run.then((result) => { for (const l of listeners) l(result); return result; });
  };

  // Watch the directory, not the file: editors save by writing a new file and renaming it over the old one.
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dirname(path), (_event, name) => {
    if (stopped || (name !== null && name !== basename(path))) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload().catch((err: Error) => logger.error({ err: err.message }, 'config reload failed')), DEBOUNCE_MS);
  });

  return {
    config: () => current.config(),
    get metrics() { return current.metrics; },
    get metricsUrl() { return current.metricsUrl; },
    queueDepth: () => current.queueDepth(),
    applyDevices: (next) => current.applyDevices(next),
    onReload: (listener) => void listeners.push(listener),
    reload,
    stop: async (stopOptions) => {
      stopped = true;
      clearTimeout(timer);
      watcher.close();
      await chain;
      await current.stop(stopOptions);
    },
  };
}
