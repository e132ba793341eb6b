import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Reading } from '../common/contracts/index.js';
import type { DeviceDriver } from '../gateway/drivers/driver.js';
import { ModbusDevice } from '../gateway/drivers/modbus/config.js';
import { modbusDriver } from '../gateway/drivers/modbus/driver.js';

/**
 * Runs the real Modbus driver against a real simulator and records what it emits and logs, as the
 * gateway would receive it. The device is given as the YAML-level object (defaults filled by the schema).
 */
export function runModbus(device: Record<string, unknown>, onEmit?: (readings: Reading[]) => void) {
  const config = ModbusDevice.parse({ id: 'dev-1', name: 'Device under test', protocol: 'modbus', ...device });
  const polls: Reading[][] = [];
  const logs: { msg: string; level: number }[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { logs.push(JSON.parse(chunk.toString()) as { msg: string; level: number }); done(); } });
  const counters = { requests: 0, errors: 0 };
  // What the driver last said about the device and its parts, and every report in order (with when).
  const health = { device: undefined as string | undefined, parts: new Map<string, string>(), reports: [] as { at: number; part?: string; problem: string | undefined }[] };
  const driver: DeviceDriver = modbusDriver.create(config, {
    logger: pino({ level: 'debug' }, sink),
    emit: (readings) => { polls.push(readings); onEmit?.(readings); },
    dataDir: '/nonexistent',
    metrics: { request: () => void counters.requests++, error: () => void counters.errors++ },
    health: {
      device: (problem) => { health.device = problem; health.reports.push({ at: Date.now(), problem }); },
      part: (part, problem) => {
        if (problem === undefined) health.parts.delete(part);
        else health.parts.set(part, problem);
        health.reports.push({ at: Date.now(), part, problem });
      },
    },
  });
  const latest = () => new Map((polls.at(-1) ?? []).map((r) => [r.p, r]));
  return { config, driver, polls, logs, counters, health, latest };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
