import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AedesOptions } from 'aedes';
import { assertAedesPatched } from './aedes-patch.js';
import { describeListenError } from '../common/runtime/ports.js';
import { createLogger } from '../common/runtime/logger.js';
import { serveMetrics, type MetricsServer } from '../common/runtime/metrics-server.js';
import { authHooks } from './auth-hooks.js';
import { BrokerPrometheus } from './metrics.js';
import { DEFAULT_MAX_PACKET_BYTES, limitPacketSize } from './packet-limit.js';
import { SqlitePersistence } from './sqlite-persistence.js';
import type { UserStore } from './user-store.js';

export interface BrokerOptions {
  host?: string;
  port: number;
  /** MQTT accounts; when given, anonymous clients are refused and the ACL (acl.ts) applies. */
  users?: UserStore;
  /** SQLite file for sessions, QoS 1 queues and retained messages; in memory (lost on restart) when absent. */
  persistenceFile?: string;
  /** A TLS listener on its own port beside the plain one. */
  tls?: { port: number; certFile: string; keyFile: string };
  /** Extra aedes options. */
  aedes?: AedesOptions;
  /** Names the setting that moves the port, for the "port in use" error. */
  portEnvVar?: string;
  /** Larger packets are refused and their connection closed (packet-limit.ts); default DEFAULT_MAX_PACKET_BYTES. */
  maxPacketBytes?: number;
  /** Serve GET /metrics on this port (0: any free port); no HTTP server when absent. */
  metricsPort?: number;
}

export interface RunningBroker {
  host: string;
  port: number;
  tlsPort?: number;
  /** Port of GET /metrics when `metricsPort` was given. */
  metricsPort?: number;
  aedes: Aedes;
  prometheus: BrokerPrometheus;
  /** QoS 1/2 messages queued or in flight for a persistent session; undefined without `persistenceFile`. */
  queueDepth(clientId: string): number | undefined;
  stop(): Promise<void>;
}

/** aedes on a plain TCP listener (and optionally TLS). TCP_NODELAY, since Nagle plus delayed ACK costs ~40 ms per QoS 1 round trip. */
export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  assertAedesPatched();
  const host = options.host ?? '127.0.0.1';
  const logger = createLogger('broker');
  const persistence = options.persistenceFile ? new SqlitePersistence(options.persistenceFile) : undefined;
  if (!options.users) logger.warn('no MQTT accounts configured: anonymous clients may connect and publish anything');
  for (const { equipment, holder, refused } of options.users?.conflicts ?? []) {
    logger.error({ alarm: 'equipment_conflict', equipmentId: equipment, holder: holder.username, refused }, `equipment "${equipment}" is bound to both "${holder.username}" and "${refused}": only "${holder.username}" may publish it; remove it from "${refused}" (pilothub user add)`);
  }
  const aedes = await Aedes.createBroker({
    ...(persistence ? { persistence } : {}),
    ...(options.users ? authHooks(options.users, logger) : {}),
    ...options.aedes,
  });
  aedes.on('clientError', (client, err) => logger.debug({ clientId: client.id, err: err.message }, 'client error'));
  aedes.on('client', (client) => logger.debug({ clientId: client.id }, 'client connected'));
  aedes.on('clientDisconnect', (client) => logger.debug({ clientId: client.id }, 'client disconnected'));
  const prometheus = new BrokerPrometheus(() => persistence?.queueDepths() ?? new Map());
  const maxPacketBytes = options.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  const handle = (socket: Socket) => {
    const client = aedes.handle(socket);
    limitPacketSize(client, maxPacketBytes, ({ cmd, bytes }) => {
      prometheus.refused.inc({ reason: 'too_large' });
      logger.warn({ clientId: client.id, remoteAddress: socket.remoteAddress, cmd, bytes, maxPacketBytes }, `refused a ${cmd ?? 'packet'} of ${bytes} bytes (limit ${maxPacketBytes}); connection closed`);
    });
  };
  const servers: Server[] = [];
  let metricsServer: MetricsServer | undefined;
  const stop = async () => {
    await metricsServer?.close();
    // server.close() resolves only once every connection ended, which aedes.close() brings about.
    const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await closed;
    await persistence?.destroy();
  };
  try {
    const server = createServer({ noDelay: true }, handle);
    const port = await listen(server, host, options.port, 'MQTT broker', options.portEnvVar);
    servers.push(server);
    let tlsPort: number | undefined;
    if (options.tls) {
      const tls = createTlsServer({ cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) }, (socket) => {
        (socket as unknown as Socket).setNoDelay(true);
        handle(socket as unknown as Socket);
      });
      tlsPort = await listen(tls, host, options.tls.port, 'MQTT broker (TLS)');
      servers.push(tls);
    }
    if (options.metricsPort !== undefined) {
      metricsServer = await serveMetrics({ registry: prometheus.registry, host, port: options.metricsPort, what: 'broker metrics', portEnvVar: 'PILOTHUB_BROKER_METRICS_PORT' });
    }
    logger.info({ host, port, tlsPort, metricsPort: metricsServer?.port, maxPacketBytes, authentication: Boolean(options.users), persistence: options.persistenceFile ?? 'memory' }, 'broker listening');
    return {
      host, port, tlsPort, metricsPort: metricsServer?.port, aedes, prometheus, stop,
      queueDepth: (clientId) => (persistence ? (persistence.queueDepths().get(clientId) ?? 0) : undefined),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function listen(server: Server, host: string, port: number, what: string, envVar?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(describeListenError(err, what, host, port, envVar)));
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** The TLS listener from PILOTHUB_MQTT_TLS_PORT / _CERT / _KEY; none when all three are unset. */
export function tlsOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): BrokerOptions['tls'] {
  const { PILOTHUB_MQTT_TLS_PORT: port, PILOTHUB_MQTT_TLS_CERT: certFile, PILOTHUB_MQTT_TLS_KEY: keyFile } = env;
  if (!port && !certFile && !keyFile) return undefined;
  if (!port || !certFile || !keyFile) throw new Error('MQTT over TLS needs all of PILOTHUB_MQTT_TLS_PORT, PILOTHUB_MQTT_TLS_CERT and PILOTHUB_MQTT_TLS_KEY');
  const value = Number(port);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) throw new Error(`PILOTHUB_MQTT_TLS_PORT="${port}" is not a port number (0-65535)`);
  return { port: value, certFile, keyFile };
}
