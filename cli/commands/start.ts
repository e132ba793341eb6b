import type { Command } from 'commander';
import { readyBanner } from '../../demo/banner.js';
import { hubOptionsFromEnv, startHub } from '../../hub.js';

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
  PILOTHUB_API_PORT        API port on 127.0.0.1 (default 8080)
  PILOTHUB_MQTT_PORT       MQTT port on 127.0.0.1 (default 1883)
  PILOTHUB_GATEWAY_CONFIG  gateway YAML (default config/gateway.example.yaml)
  PILOTHUB_DEMO            true or false: as --demo
  PILOTHUB_DEMO_SPEED      play the demo campaign this many times faster (1-1000, default 1)
  PILOTHUB_DEMO_HISTORY_HOURS
                           hours of history the first demo start fills in the background (0-168, default 24)
  PILOTHUB_LOG_LEVEL       pino level (default info)
  PILOTHUB_ADMIN_EMAIL     first admin's email, used when the user store is empty
  PILOTHUB_ADMIN_PASSWORD  first admin's password (default: a random one, printed once)`)
    .action(async (options: { demo?: string }) => {
      const hubOptions = hubOptionsFromEnv({ ...process.env, ...(options.demo === undefined ? {} : { PILOTHUB_DEMO: options.demo }) });
      const hub = await startHub(hubOptions);
      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`pilothub stopping (${signal})\n`);
        await hub.stop();
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
      process.stdout.write(`${readyBanner({ ...hub, demoSpeed: hubOptions.demoSpeed })}\n`);
    });
}
