import type { Command } from 'commander';

const COMMON_ENV = `  PILOTHUB_DATA_DIR        data directory (default ./data)
  PILOTHUB_LOG_LEVEL       pino level (default info)`;
const MQTT_ENV = `  PILOTHUB_MQTT_URL        the broker (default mqtt://127.0.0.1:1883); several separated by commas fail over in turn
  PILOTHUB_MQTT_USERNAME, PILOTHUB_MQTT_PASSWORD
                           this component's MQTT account (pilothub user add)`;
const INFLUX_ENV = `  PILOTHUB_INFLUX_URL      InfluxDB (v1 API), required
  PILOTHUB_INFLUX_USERNAME, PILOTHUB_INFLUX_PASSWORD or PILOTHUB_INFLUX_TOKEN
                           its credentials, when it has authentication on
  PILOTHUB_INFLUX_DATABASE database (default pilothub)
  PILOTHUB_INFLUX_RETENTION_POLICY
                           retention policy to write and read (default: the database's default policy)`;

/** The component commands, which cli/main.ts runs without loading the others. */
export const COMPONENTS = ['gateway', 'ingest', 'broker', 'api'];

/**
 * One command per component for split deployments (docs/deployment.md); each loads only its own modules (imported
 * when the command runs) and stops cleanly on SIGTERM. `pilothub start` wires them all in one process.
 */
export function registerComponents(program: Command): void {
  program.command('gateway')
    .argument('<file>', 'gateway YAML (pilothub check-config FILE validates it)')
    .description('run the edge gateway alone: read devices, publish to the broker, queue on disk while it is away')
    .addHelpText('after', `\nEnvironment:\n${COMMON_ENV}\n  PILOTHUB_GATEWAY_METRICS_PORT  /metrics port (default: metrics.port of the file)\n  \${VARS} in the file come from the environment (PILOTHUB_MQTT_PASSWORD, ...).`)
    .action(async (file: string) => (await import('../../gateway/run.js')).runGateway(file));

  program.command('ingest')
    .description('run ingest alone: broker -> validated batches -> InfluxDB, acknowledging only what is written')
    .addHelpText('after', `\nEnvironment:\n${COMMON_ENV}\n${MQTT_ENV}\n${INFLUX_ENV}
  PILOTHUB_HOST, PILOTHUB_INGEST_METRICS_PORT   address and port of /metrics and /health (default 127.0.0.1:9101)
  PILOTHUB_INGEST_CLIENT_ID      MQTT client id of its persistent session (default pilothub-ingest)
  PILOTHUB_INGEST_FILTERS        topic filters this instance takes, comma-separated (scale-out)
  PILOTHUB_INGEST_SHARES         sites this process may consume; another process takes a share over when its
                                 owner dies (instead of CLIENT_ID and FILTERS; ingest/README.md "Scale-out")
  PILOTHUB_INGEST_PREFERRED      of those, the sites taken at once when free; others after
                                 PILOTHUB_INGEST_TAKEOVER_DELAY_MS (default 5000)
  PILOTHUB_INGEST_INSTANCE       this process's name in the ownership records (default host-pid)
  PILOTHUB_INGEST_ACCOUNTS       the broker's users.sqlite: store readings under the gateway bound to their equipment
  PILOTHUB_INGEST_MAX_UNACKED_AGE_MS  /health degraded when a message waits longer (default 60000)`)
    .action(async () => (await import('../../ingest/run.js')).runIngest());

  program.command('broker')
    .description('run the MQTT broker alone, with the accounts and ACL of pilothub user add')
    .addHelpText('after', `\nEnvironment:\n${COMMON_ENV}
  PILOTHUB_HOST, PILOTHUB_MQTT_PORT   address and port (default 127.0.0.1:1883)
  PILOTHUB_MQTT_TLS_PORT, _CERT, _KEY  an MQTT over TLS listener beside the plain one (all three together)
  PILOTHUB_BROKER_METRICS_PORT   /metrics port (default 9102)
  PILOTHUB_BROKER_MAX_PACKET_BYTES  largest MQTT packet accepted (default 4 MiB)`)
    .action(async () => (await import('../../broker/run.js')).runBroker());

  program.command('api')
    .description('run the HTTP API and dashboard alone')
    .addHelpText('after', `\nEnvironment:\n${COMMON_ENV}\n${MQTT_ENV}\n${INFLUX_ENV}
  PILOTHUB_HOST, PILOTHUB_API_PORT   address and port (default 127.0.0.1:8080); /health is on it
  PILOTHUB_INGEST_HEALTH_URL     ingest's /health, reported in the API's /health
  PILOTHUB_ADMIN_EMAIL, PILOTHUB_ADMIN_PASSWORD   the first admin, when there is no user yet`)
    .action(async () => (await import('../../api/run.js')).runApi());
}
