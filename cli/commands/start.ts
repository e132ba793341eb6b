import { join } from 'node:path';
import type { Command } from 'commander';
import { readyBanner } from '../../demo/banner.js';
import { rotateLogFile } from '../../common/runtime/logger.js';
import { hubOptionsFromEnv, startHub, type RunningHub } from '../../hub.js';

/** At start, a log above this size moves to pilothub.log.1 (the one before is dropped). */
const LOG_FILE_MAX_BYTES = 64 * 1024 * 1024;

export function registerStart(program: Command): void {
  program.command('start')
    .description('start the whole hub on this machine: private InfluxDB, broker, ingest, API, a gateway and, in demo mode, simulators')
    .option('--demo <bool>', 'run the simulated equipment (default: true with the example gateway config, false with any other)')
    .addHelpText('after', `
Environment:
  PILOTHUB_DATA_DIR        data directory (default ./data)
  PILOTHUB_HOST            address the API and broker listen on (default 127.0.0.1)
  PILOTHUB_INFLUX_URL      use this InfluxDB (v1 API) instead of a private influxd
  PILOTHUB_INFLUX_USERNAME, PILOTHUB_INFLUX_PASSWORD or PILOTHUB_INFLUX_TOKEN
                           its credentials, when it has authentication on
  PILOTHUB_INFLUX_DATABASE database (default pilothub)
  PILOTHUB_INFLUX_RETENTION_POLICY
                           retention policy to write and read (default: the database's default policy)
  PILOTHUB_API_PORT        API port on 127.0.0.1 (default 8080)
  PILOTHUB_MQTT_PORT       MQTT port on 127.0.0.1 (default 1883)
  PILOTHUB_GATEWAY_CONFIG  gateway YAML (default config/gateway.example.yaml)
  PILOTHUB_DEMO            true or false: as --demo
  PILOTHUB_DEMO_SPEED      play the demo campaign this many times faster (1-1000, default 1)
  PILOTHUB_DEMO_HISTORY_HOURS
                           hours of history the first demo start fills in the background (0-168, default 24)
  PILOTHUB_LOG_LEVEL       pino level (default info)
  PILOTHUB_LOG_FORMAT      json or pretty (default: pretty on a terminal, else json)
  PILOTHUB_LOG_FILE        also append JSON log lines here (default DATA_DIR/logs/pilothub.log)
  PILOTHUB_ADMIN_EMAIL     first admin's email, used when the user store is empty
  PILOTHUB_ADMIN_PASSWORD  first admin's password (default: a random one, printed once)`)
    .action(async (options: { demo?: string }) => {
      const hubOptions = hubOptionsFromEnv({ ...process.env, ...(options.demo === undefined ? {} : { PILOTHUB_DEMO: options.demo }) });
      // Before anything logs (the logger is made at first use; the API thread copies this environment).
      process.env.PILOTHUB_LOG_FILE ??= join(hubOptions.dataDir, 'logs', 'pilothub.log');
      rotateLogFile(process.env.PILOTHUB_LOG_FILE, LOG_FILE_MAX_BYTES);
      if (process.stdout.isTTY) process.env.PILOTHUB_LOG_FORMAT ??= 'pretty';
      // Signals count from the first moment: one during the start stops what has started, then exits.
      const starting = new AbortController();
      let hub: RunningHub | undefined;
      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`pilothub stopping (${signal})\n`);
        if (!hub) return starting.abort(new Error(`stopped by ${signal} while starting`));
        await hub.stop();
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
      try {
        hub = await startHub(hubOptions, starting.signal);
      } catch (err) {
        if (!starting.signal.aborted) throw err;
        process.exit(0);
      }
      process.stdout.write(`${readyBanner({ ...hub, demoSpeed: hubOptions.demoSpeed })}\n`);
    });
}
