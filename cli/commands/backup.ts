import type { Command } from 'commander';
import { createBackup } from '../../backup/backup.js';
import { restoreBackup } from '../../backup/restore.js';
import { dataDirFromEnv, gatewayConfigFromEnv, recordedGatewayConfig } from '../../common/runtime/data-dir.js';
import { createLogger } from '../../common/runtime/logger.js';

const dataDirOption = ['--data-dir <dir>', 'data directory (default PILOTHUB_DATA_DIR or ./data)'] as const;
const influxHostHelp = 'RPC address (host:port, its top-level bind-address) of an external InfluxDB';

/** `pilothub backup` and `pilothub restore` (docs/backup.md). */
export function registerBackup(program: Command): void {
  program.command('backup')
    .description('back up the running hub: InfluxDB (portable backup), every SQLite store (online backup), secrets, gateway config, manifest with sha256')
    .requiredOption('--to <dir>', 'new or empty folder for the backup')
    .option(...dataDirOption)
    .option('--gateway-config <file>', 'the gateway config to include (default: the one the hub on this data dir runs)')
    .option('--influx-host <host:port>', `${influxHostHelp} to back up (default: the hub's private influxd)`)
    .action(async (opts: { to: string; dataDir?: string; gatewayConfig?: string; influxHost?: string }) => {
      // Owner-only, like the data dir: the backup holds password hashes, session tokens and MQTT passwords.
      process.umask(0o077);
      const dataDir = opts.dataDir ?? dataDirFromEnv();
      const manifest = await createBackup({
        to: opts.to, dataDir, gatewayConfig: opts.gatewayConfig ?? recordedGatewayConfig(dataDir) ?? gatewayConfigFromEnv(),
        externalInflux: Boolean(process.env.PILOTHUB_INFLUX_URL), influxHost: opts.influxHost, logger: createLogger('backup'),
      });
      process.stdout.write(`pilothub backup written to ${opts.to}: ${manifest.files.length} files${manifest.influx ? '' : ' (InfluxDB NOT included: back it up on its server)'}\n`);
    });

  program.command('restore')
    .description('restore a backup into an empty data dir, after checking every file against the manifest')
    .requiredOption('--from <dir>', 'a folder written by `pilothub backup`')
    .option(...dataDirOption)
    .option('--gateway-config <file>', 'where to write a gateway config the backup kept outside the data dir (default <data dir>/gateway-config/)')
    .option('--influx-host <host:port>', `${influxHostHelp} to restore into (default: a private influxd in the data dir)`)
    .action(async (opts: { from: string; dataDir?: string; gatewayConfig?: string; influxHost?: string }) => {
      const dataDir = opts.dataDir ?? dataDirFromEnv();
      const restored = await restoreBackup({ from: opts.from, dataDir, gatewayConfig: opts.gatewayConfig, influxHost: opts.influxHost, logger: createLogger('restore') });
      process.stdout.write(`pilothub restored ${opts.from} (taken ${restored.manifest.createdAt}) into ${dataDir}\n`);
      if (restored.gatewayConfig) process.stdout.write(`gateway config: ${restored.gatewayConfig} (start with PILOTHUB_GATEWAY_CONFIG=${restored.gatewayConfig})\n`);
      if (restored.influxCommand) process.stdout.write(`InfluxDB was not restored; on your InfluxDB server run: ${restored.influxCommand}\n`);
    });
}
