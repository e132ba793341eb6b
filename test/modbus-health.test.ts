import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../common/runtime/ports.js';
import { ModbusFaults } from '../simulators/modbus/faults.js';
import { RegisterBank } from '../simulators/modbus/register-bank.js';
import { serveModbusTcp } from '../simulators/modbus/server.js';
import { eventually, tempDir } from './helpers/servers.js';
import { teardown } from './helpers/teardown.js';
import { runModbus } from './modbus-helpers.js';

/** Issue #12: the driver tells the gateway whether the device answers, in words naming the endpoint. */
describe('Modbus driver health reporting against a real Modbus TCP server', () => {
  const start = async (port: number, device: Record<string, unknown> = {}) => {
    const run = runModbus({ connection: { transport: 'tcp', host: '127.0.0.1', port }, pollIntervalMs: 100, timeoutMs: 200,
      parameters: [{ id: 'h', name: 'Holding', table: 'holding', address: 10 }, { id: 'i', name: 'Input', table: 'input', address: 10 }], ...device });
    teardown(() => run.driver.stop());
    await run.driver.start();
    return run;
  };
  const clearedSince = (run: ReturnType<typeof runModbus>, since: number) =>
    (run.health.reports.some((r) => r.at >= since && r.part === undefined && r.problem === undefined) && run.health.device === undefined ? true : undefined);

  it('reports "connection refused by tcp://host:port" while nothing listens, and clears it once a read succeeds', async () => {
    const port = await freePort();
    const run = await start(port);
    await eventually('the refusal reported', () => run.health.device);
    expect(run.health.device).toBe(`connection refused by tcp://127.0.0.1:${port}`);
    expect(run.polls.at(-1)?.every((r) => r.q === 'bad')).toBe(true);

    const bank = new RegisterBank(100);
    bank.holding[10] = 42;
    const server = await serveModbusTcp({ units: new Map([[1, bank]]), port });
    teardown(() => server.stop());
    const up = Date.now();
    await eventually('the device reachable again', () => clearedSince(run, up));
    await eventually('a good reading', () => (run.latest().get('h')?.v === 42 ? true : undefined));
  });

  it('names a missing serial port', async () => {
    const path = join(tempDir('pilothub-rtu-'), 'ttyUSB9');
    const run = runModbus({ connection: { transport: 'rtu', path }, pollIntervalMs: 100, parameters: [{ id: 'h', name: 'Holding', table: 'holding', address: 0 }] });
    teardown(() => run.driver.stop());
    await run.driver.start();
    await eventually('the missing port reported', () => run.health.device);
    expect(run.health.device).toBe(`serial port ${path} (9600 baud) does not exist`);
  });

  it('reports a poll in which nothing answered (every request timed out), naming the endpoint, and clears it when answers come back', async () => {
    const faults = new ModbusFaults();
    const server = await serveModbusTcp({ units: new Map([[1, new RegisterBank(100)]]), port: await freePort(), faults });
    teardown(() => server.stop());
    const run = await start(server.port, { retries: 0 });
    await eventually('a good poll', () => run.polls.find((p) => p.every((r) => r.q === undefined)));
    expect(run.health.device).toBeUndefined();

    faults.delayMs = 500;
    await eventually('no response reported', () => run.health.device);
    expect(run.health.device).toBe(`no response from tcp://127.0.0.1:${server.port}: every request of the poll timed out`);
    faults.delayMs = 0;
    const back = Date.now();
    await eventually('the device reachable again', () => clearedSince(run, back));
    expect(run.latest().get('h')?.q).toBeUndefined();
  });

  it('reports a lost connection with its endpoint and clears it after reconnecting', async () => {
    const faults = new ModbusFaults();
    const server = await serveModbusTcp({ units: new Map([[1, new RegisterBank(100)]]), port: await freePort(), faults });
    teardown(() => server.stop());
    const run = await start(server.port);
    await eventually('a good poll', () => run.polls.find((p) => p.every((r) => r.q === undefined)));
    faults.disconnect(800);
    await eventually('the loss reported', () => run.health.device);
    expect(run.health.device).toContain(`tcp://127.0.0.1:${server.port}`);
    const back = Date.now() + 800;
    await eventually('the device reachable again', () => clearedSince(run, back));
  });
});
