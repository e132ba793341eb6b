import { createServer, type Server } from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';
import { describeListenError } from '../common/runtime/ports.js';
import { createLogger } from '../common/runtime/logger.js';

export interface BrokerOptions {
  host?: string;
  port: number;
  /** Extra aedes options (authentication, authorization, persistence). */
  aedes?: AedesOptions;
  /** Names the setting that moves the port, for the "port in use" error. */
  portEnvVar?: string;
}

export interface RunningBroker {
  host: string;
  port: number;
  aedes: Aedes;
  stop(): Promise<void>;
}

/** aedes on a plain TCP listener. TCP_NODELAY, since Nagle plus delayed ACK costs ~40 ms per QoS 1 round trip. */
export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  const host = options.host ?? '127.0.0.1';
  const logger = createLogger('broker');
  const aedes = await Aedes.createBroker(options.aedes);
  aedes.on('clientError', (client, err) => logger.debug({ clientId: client.id, err: err.message }, 'client error'));
  aedes.on('client', (client) => logger.debug({ clientId: client.id }, 'client connected'));
  aedes.on('clientDisconnect', (client) => logger.debug({ clientId: client.id }, 'client disconnected'));
  const server: Server = createServer({ noDelay: true }, aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(describeListenError(err, 'MQTT broker', host, options.port, options.portEnvVar)));
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  logger.info({ host, port }, 'broker listening');
  return {
    host, port, aedes,
    stop: async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
