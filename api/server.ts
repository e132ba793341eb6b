import { InfluxV1Client } from '../common/influx/v1-client.js';
import { createLogger } from '../common/runtime/logger.js';
import { describeListenError } from '../common/runtime/ports.js';
import { buildApi } from './app.js';
import { EquipmentRegistry } from './live/equipment-registry.js';

export interface ApiOptions {
  host?: string;
  port: number;
  mqttUrl: string;
  mqttUsername?: string;
  mqttPassword?: string;
  influxUrl: string;
  database?: string;
  portEnvVar?: string;
}

export interface RunningApi {
  url: string;
  stop(): Promise<void>;
}

export async function startApi(options: ApiOptions): Promise<RunningApi> {
  const host = options.host ?? '127.0.0.1';
  const logger = createLogger('api');
  const influx = new InfluxV1Client(options.influxUrl, options.database ?? 'pilothub');
  const registry = new EquipmentRegistry(logger);
  await registry.connect(options.mqttUrl, { username: options.mqttUsername, password: options.mqttPassword });
  const app = await buildApi({ influx, registry, logger });
  try {
    await app.listen({ host, port: options.port });
  } catch (err) {
    await registry.close();
    throw describeListenError(err, 'API', host, options.port, options.portEnvVar);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${host}:${port}`,
    stop: async () => {
      await app.close();
      await registry.close();
    },
  };
}
