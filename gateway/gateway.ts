import { join } from 'node:path';
import type { Birth } from '../common/contracts/index.js';
import { createLogger, type Logger } from '../common/runtime/logger.js';
import { serveMetrics, type MetricsServer } from '../common/runtime/metrics-server.js';
import type { GatewayConfig } from './config.js';
import type { DeviceDriver } from './drivers/driver.js';
import { DeviceHealth } from './device-health.js';
import { createDriver, describeDevice, type DeviceConfig } from './drivers/index.js';
import { GatewayMetrics } from './metrics.js';
import { Outbox } from './outbox.js';
import { PollLag } from './poll-lag.js';
import { Publisher } from './publisher.js';

export interface GatewayOptions {
  /** Where the outbox and driver files (certificates, state) live. */
  dataDir: string;
  /** Overrides `metrics.port` of the config (the hub passes a free port). */
  metricsPort?: number;
}

export interface DeviceChanges {
  added: string[];
  changed: string[];
  removed: string[];
}

export interface RunningGateway {
  config(): GatewayConfig;
  metrics: GatewayMetrics;
  /** `http://host:port/metrics`, when metrics are served. */
  metricsUrl: string | undefined;
  queueDepth(): { messages: number; bytes: number };
  /** Switches to `next` for the devices: restarts only those that changed and republishes their birth. */
  applyDevices(next: GatewayConfig): Promise<DeviceChanges>;
  /**
   * Stops the drivers, then gives the publisher up to `drainMs` to deliver what is queued; whatever is
   * left stays in the outbox for the next start.
   */
  stop(options?: { drainMs?: number }): Promise<void>;
}

/** Starts one driver per device and wires each to the publisher, which queues batches in the outbox. */
export async function startGateway(initial: GatewayConfig, options: GatewayOptions): Promise<RunningGateway> {
  let config = initial;
  const logger = createLogger('gateway', { gatewayId: config.gateway.id });
  const metrics = new GatewayMetrics();
  const outbox = new Outbox(join(options.dataDir, `outbox-${config.gateway.id}.sqlite`), config.buffer.maxMegabytes * 1024 * 1024);
  const queued = outbox.depth();
  if (queued.messages) logger.info(queued, `outbox holds ${queued.messages} batch(es) from before; they are sent first`);
  const publisher = new Publisher(config, logger, outbox, metrics);
  await publisher.start();
  const drivers = new Map<string, DeviceDriver>();
  const lags = new Map<string, PollLag>();
  let acquired = 0;

  const startDevice = async (device: DeviceConfig) => {
    const birth: Birth = {
      gateway: config.gateway.id,
      equipment: { id: device.id, name: device.name, kind: device.kind, protocol: device.protocol },
      parameters: describeDevice(device),
      t: Date.now(),
    };
    publisher.setBirth(birth);
    const deviceLogger = logger.child({ equipmentId: device.id, protocol: device.protocol });
    const health = new DeviceHealth(config.gateway.id, deviceLogger, (state) => {
      metrics.deviceReachable.set({ device: device.id }, state.state === 'reachable' ? 1 : 0);
      publisher.setDeviceState(device.id, state);
    });
    const lag = new PollLag(device.id, deviceLogger, metrics, health);
    lags.set(device.id, lag);
    const driver = createDriver(device, {
      logger: deviceLogger,
      health,
      emit: (readings) => {
        if (readings.length === 0) return;
        acquired += readings.length;
        health.observe(readings);
        let bad = 0;
        for (const r of readings) if (r.q === 'bad') bad++;
        metrics.readings.inc({ device: device.id, quality: 'good' }, readings.length - bad);
        if (bad) metrics.readings.inc({ device: device.id, quality: 'bad' }, bad);
        publisher.publishReadings(device.id, readings);
      },
      dataDir: join(options.dataDir, 'drivers', device.id),
      metrics: {
        request: () => metrics.requests.inc({ device: device.id }),
        error: () => metrics.errors.inc({ device: device.id }),
        cycle: (cycleMs, intervalMs, missed) => lag.cycle(cycleMs, intervalMs, missed),
        published: (intervalMs, overflows) => lag.published(intervalMs, overflows),
      },
    });
    drivers.set(device.id, driver);
    await driver.start();
  };

  const stopDevice = async (id: string) => {
    const driver = drivers.get(id);
    drivers.delete(id);
    await driver?.stop();
  };

  let metricsServer: MetricsServer | undefined;
  try {
    for (const device of config.devices) await startDevice(device);
    const metricsPort = options.metricsPort ?? config.metrics?.port;
    if (metricsPort !== undefined) {
      metricsServer = await serveMetrics({
        registry: metrics.registry, host: config.metrics?.host ?? '127.0.0.1', port: metricsPort, what: 'gateway metrics', portEnvVar: 'PILOTHUB_GATEWAY_METRICS_PORT',
      });
    }
  } catch (err) {
    await Promise.all([...drivers.keys()].map(stopDevice));
    await publisher.stop();
    outbox.close();
    throw err;
  }
  const metricsHost = config.metrics?.host ?? '127.0.0.1';
  logger.info({ devices: config.devices.length, metricsPort: metricsServer?.port }, 'gateway started');

  return {
    config: () => config,
    metrics,
    metricsUrl: metricsServer ? `http://${metricsHost}:${metricsServer.port}/metrics` : undefined,
    queueDepth: () => outbox.depth(),
    applyDevices: async (next) => {
      const changes = diffDevices(config.devices, next.devices);
      config = { ...config, devices: next.devices };
      for (const id of [...changes.removed, ...changes.changed]) await stopDevice(id);
      for (const id of changes.removed) {
        publisher.forget(id);
        metrics.deviceReachable.remove({ device: id });
        lags.get(id)?.forget();
        lags.delete(id);
      }
      for (const device of next.devices) {
        if (changes.added.includes(device.id) || changes.changed.includes(device.id)) await startDevice(device);
      }
      logChanges(logger, changes);
      return changes;
    },
    stop: async ({ drainMs = 0 } = {}) => {
      await Promise.all([...drivers.keys()].map(stopDevice));
      if (drainMs > 0 && !(await publisher.drain(drainMs))) logger.warn(outbox.depth(), 'stopping with batches still queued; they are sent on the next start');
      await metricsServer?.close();
      await publisher.stop();
      // The totals let an operator (and the gateway-scale bench) check that everything read was delivered or kept.
      logger.info({ readingsAcquired: acquired, queuedMessages: outbox.depth().messages }, 'gateway stopped');
      outbox.close();
    },
  };
}

export function diffDevices(before: DeviceConfig[], after: DeviceConfig[]): DeviceChanges {
  const old = new Map(before.map((d) => [d.id, JSON.stringify(d)]));
  const now = new Set(after.map((d) => d.id));
  return {
    added: after.filter((d) => !old.has(d.id)).map((d) => d.id),
    changed: after.filter((d) => old.has(d.id) && old.get(d.id) !== JSON.stringify(d)).map((d) => d.id),
    removed: before.filter((d) => !now.has(d.id)).map((d) => d.id),
  };
}

function logChanges(logger: Logger, c: DeviceChanges): void {
  logger.info(c, `configuration applied: ${c.added.length} device(s) added, ${c.changed.length} changed, ${c.removed.length} removed`);
}
