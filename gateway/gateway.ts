import type { Birth } from '../common/contracts/index.js';
import { createLogger } from '../common/runtime/logger.js';
import type { GatewayConfig } from './config.js';
import type { DeviceDriver } from './drivers/driver.js';
import { createDriver, describeDevice } from './drivers/index.js';
import { Publisher } from './publisher.js';

export interface RunningGateway {
  stop(): Promise<void>;
}

/** Starts one driver per device and wires each to the publisher. */
export async function startGateway(config: GatewayConfig, options: { dataDir: string }): Promise<RunningGateway> {
  const logger = createLogger('gateway', { gatewayId: config.gateway.id });
  const publisher = new Publisher(config, logger);
  await publisher.start();
  const drivers: DeviceDriver[] = [];
  for (const device of config.devices) {
    const birth: Birth = {
      gateway: config.gateway.id,
      equipment: { id: device.id, name: device.name, kind: device.kind, protocol: device.protocol },
      parameters: describeDevice(device),
      t: Date.now(),
    };
    publisher.setBirth(birth);
    const driver = createDriver(device, {
      logger: logger.child({ equipmentId: device.id, protocol: device.protocol }),
      emit: (readings) => publisher.publishReadings(device.id, readings),
      dataDir: options.dataDir,
    });
    await driver.start();
    drivers.push(driver);
  }
  logger.info({ devices: config.devices.length }, 'gateway started');
  return {
    stop: async () => {
      await Promise.all(drivers.map((d) => d.stop()));
      await publisher.stop();
    },
  };
}
