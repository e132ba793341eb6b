import type { z } from 'zod';
import type { DeviceDriver, DriverContext } from './driver.js';
import { modbusDriver } from './modbus/driver.js';
import { opcuaDriver } from './opcua/driver.js';

/** The protocol registry: one line per driver folder. */
export const driverModules = [modbusDriver, opcuaDriver] as const;

type DriverUnion = (typeof driverModules)[number];
export type DeviceConfig = z.infer<DriverUnion['deviceSchema']>;

/** The device schemas, for the config's discriminated union on `protocol`. */
type DeviceSchema = DriverUnion['deviceSchema'];
export const deviceSchemas = driverModules.map((d) => d.deviceSchema) as [DeviceSchema, ...DeviceSchema[]];

function moduleFor(device: DeviceConfig) {
  const module = driverModules.find((d) => d.protocol === device.protocol);
  if (!module) throw new Error(`no driver for protocol "${device.protocol}"`);
  // The registry pairs each protocol literal with its own schema, so the device matches this module.
  return module as unknown as { describe(d: DeviceConfig): ReturnType<DriverUnion['describe']>; create(d: DeviceConfig, c: DriverContext): DeviceDriver };
}

export const describeDevice = (device: DeviceConfig) => moduleFor(device).describe(device);
export const createDriver = (device: DeviceConfig, context: DriverContext) => moduleFor(device).create(device, context);
