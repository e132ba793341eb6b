import { join } from 'node:path';
import { z } from 'zod';
import { dataDirFromEnv } from '../common/runtime/data-dir.js';
import { privateDataDir } from '../common/runtime/private-files.js';
import { envOrExit, EnvPort, stopOnSignals } from '../common/runtime/process.js';
import { startBroker, tlsOptionsFromEnv } from './broker.js';
import { UserStore, usersFile } from './user-store.js';

const BrokerEnv = z.object({
  PILOTHUB_HOST: z.string().min(1).default('127.0.0.1'),
  PILOTHUB_MQTT_PORT: EnvPort.default(1883),
  PILOTHUB_BROKER_METRICS_PORT: EnvPort.default(9102),
  PILOTHUB_BROKER_MAX_PACKET_BYTES: z.coerce.number().int().min(1024).optional(),
});

/**
 * `pilothub broker`: the MQTT broker alone. Accounts from PILOTHUB_DATA_DIR/broker/users.sqlite (`pilothub user add`),
 * sessions and retained messages persisted beside them, optional TLS listener, /metrics with the sessions' queues.
 */
export async function runBroker(): Promise<void> {
  const env = envOrExit('broker', BrokerEnv);
  const dataDir = dataDirFromEnv();
  privateDataDir(dataDir);
  const users = new UserStore(usersFile(dataDir));
  const broker = await startBroker({
    host: env.PILOTHUB_HOST, port: env.PILOTHUB_MQTT_PORT, portEnvVar: 'PILOTHUB_MQTT_PORT', users,
    persistenceFile: join(dataDir, 'broker', 'sessions.sqlite'), tls: tlsOptionsFromEnv(),
    metricsPort: env.PILOTHUB_BROKER_METRICS_PORT, maxPacketBytes: env.PILOTHUB_BROKER_MAX_PACKET_BYTES,
  });
  stopOnSignals('broker', async () => {
    await broker.stop();
    users.close();
  });
  process.stdout.write(`pilothub broker ready: mqtt://${broker.host}:${broker.port}${broker.tlsPort ? `, mqtts on ${broker.tlsPort}` : ''}, metrics on port ${broker.metricsPort}\n`);
}
