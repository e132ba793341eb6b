/**
 * The driver contract: what every protocol driver must do, checked against a real simulator.
 *
 * Usage, inside a test file (one call registers one `describe` block):
 *
 *   driverContract('modbus', async () => {
 *     const sim = await sprayDryer();                    // a started simulator, torn down by its helper
 *     return {
 *       module: modbusDriver,                            // the DriverModule under test
 *       device: { id: 'dryer-1', name: 'Dryer', protocol: 'modbus', connection: {...}, parameters: [...] },
 *       takeDown: () => sim.disconnect(),                // the device goes away (server stopped / port closed)
 *       bringBack: () => sim.reconnect(),                // and comes back on the same address
 *     };
 *   });
 *
 * `device` is the raw config (as written in YAML); it is parsed with the module's own schema. Give it
 * short intervals (e.g. 200-500 ms) and at least one parameter of each datatype the driver supports.
 * Checks: every configured parameter gets readings of its declared datatype with good quality, each
 * parameter's timestamps increase, every parameter goes to quality "bad" (v: null) while the device is
 * away and good data resumes on its own when it is back, and stop() ends emission.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { teardown } from './helpers/teardown.js';
import type { z } from 'zod';
import { Reading, type ParameterMeta } from '../common/contracts/index.js';
import { createLogger } from '../common/runtime/logger.js';
import type { DeviceDriver, DriverModule } from '../gateway/drivers/driver.js';
import { eventually, tempDir } from './helpers/servers.js';

type AnyDeviceSchema = z.ZodObject<{ protocol: z.ZodLiteral<string> }>;

export interface ContractSubject<S extends AnyDeviceSchema> {
  module: DriverModule<S>;
  device: unknown;
  takeDown(): Promise<void>;
  bringBack(): Promise<void>;
}

interface Emitted { at: number; readings: Reading[] }

export function driverContract<S extends AnyDeviceSchema>(label: string, setup: () => Promise<ContractSubject<S>>): void {
  describe(`driver contract: ${label}`, () => {
    let subject: ContractSubject<S>;
    let meta: ParameterMeta[];
    let driver: DeviceDriver | undefined;
    const emitted: Emitted[] = [];
    const readingsOf = (id: string, since = 0) => emitted.filter((e) => e.at >= since).flatMap((e) => e.readings.filter((r) => r.p === id));
    const everyParameter = (since: number, test: (r: Reading) => boolean) =>
      meta.every((m) => readingsOf(m.id, since).some(test)) ? true : undefined;

    beforeAll(async () => {
      subject = await setup();
      const device = subject.module.deviceSchema.parse(subject.device);
      meta = subject.module.describe(device);
      driver = subject.module.create(device, {
        logger: createLogger('driver-contract', { equipmentId: (device as { id?: unknown }).id }),
        emit: (readings) => emitted.push({ at: Date.now(), readings }),
        dataDir: tempDir('pilothub-contract-'),
      });
      await driver.start();
    });
    teardown(async () => { await driver?.stop(); });

    it('emits readings for every configured parameter, of its declared datatype, with good quality', async () => {
      await eventually('a good reading of every parameter', () => everyParameter(0, (r) => (r.q ?? 'good') === 'good'));
      for (const m of meta) {
        const good = readingsOf(m.id).filter((r) => (r.q ?? 'good') === 'good');
        for (const r of good) expect(typeof r.v, `parameter "${m.id}"`).toBe(m.datatype);
      }
      for (const e of emitted) {
        expect(e.readings.length).toBeGreaterThan(0);
        for (const r of e.readings) expect(Reading.safeParse(r).success, JSON.stringify(r)).toBe(true);
      }
    });

    const expectIncreasingTimes = () => {
      for (const m of meta) {
        const times = readingsOf(m.id).map((r) => r.t);
        for (let i = 1; i < times.length; i++) expect(times[i], `parameter "${m.id}" reading ${i}`).toBeGreaterThan(times[i - 1]!);
      }
    };

    it('keeps each parameter\'s timestamps increasing', async () => {
      // Drivers that report by exception (OPC UA) send a steady value once, so only some parameters repeat.
      await eventually('three readings of some parameter', () => (meta.some((m) => readingsOf(m.id).length >= 3) ? true : undefined));
      expectIncreasingTimes();
    });

    it('publishes every parameter as bad while the device is away, and resumes by itself when it is back', async () => {
      await subject.takeDown();
      const down = Date.now();
      try {
        await eventually('a bad reading of every parameter', () => everyParameter(down, (r) => r.q === 'bad' && r.v === null));
      } finally {
        await subject.bringBack(); // even on failure: later tests in the file share the simulator
      }
      const back = Date.now();
      await eventually('good readings of every parameter after the device came back', () => everyParameter(back, (r) => (r.q ?? 'good') === 'good' && r.v !== null), 40_000);
      expectIncreasingTimes();
    });

    it('stops emitting after stop()', async () => {
      await driver!.stop();
      const stoppedAt = emitted.length;
      // Any emission still in flight would land within a cycle or two (intervals in the contract are short); none may follow.
      await new Promise((r) => setTimeout(r, 2000));
      expect(emitted.length).toBe(stoppedAt);
      driver = undefined;
    });
  });
}
