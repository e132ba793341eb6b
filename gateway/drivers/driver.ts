import { z } from 'zod';
import { Identifier, ParameterMeta, RESERVED_EQUIPMENT_ID, type Reading } from '../../common/contracts/index.js';
import type { Logger } from '../../common/runtime/logger.js';

/** What every parameter declares, whatever the protocol: the birth metadata less what the driver derives (datatype, acquisition). */
export const ParameterBase = ParameterMeta.omit({ datatype: true, acquisition: true }).shape;

/** What every device declares; `id` is the equipment id on the wire. */
export const DeviceBase = {
  id: Identifier.refine((id) => id !== RESERVED_EQUIPMENT_ID, `"${RESERVED_EQUIPMENT_ID}" is reserved for gateway status topics`),
  name: z.string().min(1).max(200),
  kind: z.string().max(64).default(''),
};

export interface DriverContext {
  /** Child logger already bound to gatewayId and equipmentId. */
  logger: Logger;
  /** Receives each acquisition cycle's readings for this device. */
  emit(readings: Reading[]): void;
  /** Where the driver may keep files (certificates, state). */
  dataDir: string;
  /** Protocol-level counters for the gateway's /metrics; optional so a driver can run without a gateway. */
  metrics?: DriverMetrics;
  /** Where the driver says whether the device answers; the gateway publishes it as the retained device state. */
  health?: DeviceHealthReporter;
}

/**
 * A driver calls these whenever it learns something; repeating the same answer is cheap (the gateway publishes
 * changes only). `undefined` clears a problem.
 */
export interface DeviceHealthReporter {
  /** The device as a whole does not answer (connection refused, session lost, every request timed out). */
  device(problem: string | undefined): void;
  /** One part does not answer while the rest does (a Modbus unit, a refused address, an unknown OPC UA node). */
  part(part: string, problem: string | undefined): void;
}

export interface DriverMetrics {
  /** One protocol request sent to the device (a Modbus read, an OPC UA read call). */
  request(): void;
  /** One request that failed (timeout, exception response, lost connection). */
  error(): void;
  /**
   * One acquisition cycle of a polling driver finished after `cycleMs`; it overran `missed` slots of `intervalMs`
   * (the driver skipped them: overload, reported by the gateway as lag).
   */
  cycle?(cycleMs: number, intervalMs: number, missed: number): void;
  /**
   * One publish response of a subscribing driver arrived (publishing interval `intervalMs`); the server flagged
   * `overflows` of its values as overflowed: samples discarded before the gateway fetched them (overload, or a queue
   * too small for the sampling rate), reported by the gateway as lag. Keep-alives count too, with 0.
   */
  published?(intervalMs: number, overflows: number): void;
}

/** A running connection to one device. */
export interface DeviceDriver {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One protocol. Adding a protocol means one folder exporting one of these and one line in ./index.ts.
 * `D` is the device config the module's own zod schema parses.
 */
export interface DriverModule<S extends z.ZodObject<{ protocol: z.ZodLiteral<string> }>> {
  protocol: z.infer<S>['protocol'];
  deviceSchema: S;
  /** Birth metadata for each configured parameter. */
  describe(device: z.infer<S>): ParameterMeta[];
  create(device: z.infer<S>, context: DriverContext): DeviceDriver;
}
