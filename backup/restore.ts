import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { recordGatewayConfig } from '../common/runtime/data-dir.js';
import { startPrivateInfluxd } from '../common/runtime/influxd.js';
import type { Logger } from '../common/runtime/logger.js';
import { privateDataDir } from '../common/runtime/private-files.js';
import { PRIVATE_INFLUX_DIR } from './backup.js';
import { influxdPortable } from './influx.js';
import { DATA_DIR, verifyBackup, type Manifest } from './manifest.js';

export interface RestoreOptions {
  from: string;
  /** Must be empty or not exist yet. */
  dataDir: string;
  /** Where a gateway config kept outside the data dir goes; default `<data dir>/gateway-config/<its name>`. */
  gatewayConfig?: string;
  /** Restore InfluxDB into this server's RPC address (host:port) instead of a private influxd in the data dir. */
  influxHost?: string;
  logger: Logger;
}

export interface Restored {
  manifest: Manifest;
  /** Where the gateway config now is, to point PILOTHUB_GATEWAY_CONFIG at; null when the backup had none. */
  gatewayConfig: string | null;
  /** Where InfluxDB's data went; null when the operator must restore it on their server (see `influxCommand`). */
  influxRestoredTo: string | null;
  /** The command an operator with an external InfluxDB runs on it, when restore did not. */
  influxCommand: string | null;
}

/**
 * Restores a backup into an empty data dir: checks the whole backup first (nothing is written when a byte is
 * wrong or a file is missing), restores InfluxDB through `influxd restore -portable` into a private influxd
 * started on the data dir for the purpose (or into --influx-host), and copies everything else back owner-only.
 * If a step fails, the data dir is emptied again so the next attempt also starts from an empty one.
 */
export async function restoreBackup(options: RestoreOptions): Promise<Restored> {
  const from = resolve(options.from);
  const dataDir = resolve(options.dataDir);
  const manifest = await verifyBackup(from);
  refuseNonEmpty(dataDir);
  const configSource = manifest.gatewayConfig && !manifest.gatewayConfig.path.startsWith(`${DATA_DIR}/`) ? manifest.gatewayConfig.path : undefined;
  const configTarget = manifest.gatewayConfig === null ? null
    : configSource ? resolve(options.gatewayConfig ?? join(dataDir, configSource))
      : join(dataDir, manifest.gatewayConfig.path.slice(DATA_DIR.length + 1));
  if (configSource && configTarget && existsSync(configTarget)) throw new Error(`--gateway-config ${configTarget} already exists: restore never overwrites a file; name a new one`);

  const log = options.logger;
  privateDataDir(dataDir);
  chmodSync(dataDir, 0o700);
  try {
    const influx = await restoreInflux(manifest, from, dataDir, options.influxHost, log);
    for (const file of manifest.files.filter((f) => f.path.startsWith(`${DATA_DIR}/`))) {
      copyPrivate(join(from, file.path), join(dataDir, file.path.slice(DATA_DIR.length + 1)));
    }
    if (configSource && configTarget) copyPrivate(join(from, configSource), configTarget);
    // The copied note still names the old hub's config; a backup of the restored data dir must take the restored one.
    if (configTarget) recordGatewayConfig(dataDir, configTarget);
    log.info({ from, dataDir, files: manifest.files.length, backupCreatedAt: manifest.createdAt, gatewayConfig: configTarget }, 'restore complete');
    return { manifest, gatewayConfig: configTarget, ...influx };
  } catch (err) {
    for (const entry of readdirSync(dataDir)) rmSync(join(dataDir, entry), { recursive: true, force: true });
    if (configSource && configTarget) rmSync(configTarget, { force: true });
    throw err;
  }
}

function refuseNonEmpty(dataDir: string): void {
  if (!existsSync(dataDir)) return;
  const entries = readdirSync(dataDir);
  if (entries.length > 0) {
    throw new Error(`data dir ${dataDir} is not empty (${entries.length} entries, e.g. ${entries.slice(0, 3).join(', ')}): restore only into an empty or new folder, so nothing of another hub is mixed in`);
  }
}

async function restoreInflux(manifest: Manifest, from: string, dataDir: string, influxHost: string | undefined, log: Logger): Promise<Pick<Restored, 'influxRestoredTo' | 'influxCommand'>> {
  if (!manifest.influx) {
    log.warn('this backup holds no InfluxDB data (the hub used an external InfluxDB); restore that server from its own backup');
    return { influxRestoredTo: null, influxCommand: null };
  }
  const dir = join(from, manifest.influx.dir);
  if (influxHost) {
    await influxdPortable('restore', influxHost, dir);
    log.info({ host: influxHost }, 'InfluxDB restored');
    return { influxRestoredTo: influxHost, influxCommand: null };
  }
  if (manifest.influx.kind === 'external') {
    const command = `influxd restore -portable -host HOST:8088 ${dir}`;
    log.warn({ command }, 'this backup came from an external InfluxDB: restore it on that server (or pass --influx-host)');
    return { influxRestoredTo: null, influxCommand: command };
  }
  // influxd restores into a running server only: one is started on the data dir just for this, and stopped after.
  const influxd = await startPrivateInfluxd({ dataDir: join(dataDir, PRIVATE_INFLUX_DIR) });
  try {
    await influxdPortable('restore', influxd.rpcAddress, dir);
  } finally {
    await influxd.stop();
  }
  log.info({ dir: influxd.dataDir }, 'InfluxDB restored into the private influxd');
  return { influxRestoredTo: influxd.dataDir, influxCommand: null };
}

/** Copies a file owner-only (0600); folders it needs are created 0700 (privateDataDir set the umask to 0o077). */
function copyPrivate(source: string, target: string): void {
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  copyFileSync(source, target);
  chmodSync(target, 0o600);
}
