import { describe, expect, it } from 'vitest';
import { freePort } from '../common/runtime/ports.js';
import { startExtruderRtu } from '../simulators/extruder/index.js';
import { RegisterBank } from '../simulators/modbus/register-bank.js';
import { serveModbusTcp } from '../simulators/modbus/server.js';
import { eventually } from './helpers/servers.js';
import { teardown } from './helpers/teardown.js';
import { runModbus } from './modbus-helpers.js';

/**
 * Issue #12: a unit id nobody serves gets no answer, only the client timeout. Its circuit breaker takes it out
 * of the poll, so the units that answer keep their poll interval, and one probe now and then finds it again.
 */
describe('Modbus per-unit circuit breaker against a real Modbus TCP server', () => {
  const POLL_MS = 100;

  const serve = async () => {
    const bank = new RegisterBank(100);
    bank.holding[0] = 11;
    bank.input[0] = 12;
    // The server answers the unit ids in this map, read at every request: adding one later brings that unit "online".
    const units = new Map([[1, bank]]);
    const server = await serveModbusTcp({ units, port: await freePort() });
    teardown(() => server.stop());
    return { server, units };
  };
  const start = async (port: number, parameters: Record<string, unknown>[]) => {
    // Requests sent up to each emitted poll: the difference between two is what one poll asked.
    const requestsAtPoll: number[] = [];
    const run = runModbus({ connection: { transport: 'tcp', host: '127.0.0.1', port }, pollIntervalMs: POLL_MS, timeoutMs: 200, retries: 1, parameters },
      () => requestsAtPoll.push(run.counters.requests));
    teardown(() => run.driver.stop());
    await run.driver.start();
    return { ...run, requestsAtPoll };
  };
  const opened = (run: Pick<ReturnType<typeof runModbus>, 'logs'>, unitId: number) =>
    run.logs.filter((l) => l.msg.startsWith(`modbus unit ${unitId} of device "dev-1" gave no response`));

  it('a dead unit stops slowing the served one: bad readings without asking, a part fault, single probes, recovery', async () => {
    const { server, units } = await serve();
    const run = await start(server.port, [
      { id: 'good_h', name: 'Good holding', table: 'holding', address: 0 },
      { id: 'good_i', name: 'Good input', table: 'input', address: 0 },
      { id: 'dead_h', name: 'Dead holding', table: 'holding', address: 0, unitId: 9 },
      { id: 'dead_i', name: 'Dead input', table: 'input', address: 0, unitId: 9 },
    ]);
    await eventually('the breaker of unit 9 open', () => opened(run, 9)[0]);
    const first = run.polls.length;
    await eventually('fifteen more polls', () => (run.polls.length >= first + 15 ? true : undefined), 20_000);
    const window = run.polls.slice(first);

    // Counted, not timed (a loaded machine stretches every poll alike): without the breaker every poll would ask
    // unit 9 four times (two blocks, each with a retry); with it, unit 9 gets a single probe now and then.
    for (const poll of window) {
      const got = new Map(poll.map((r) => [r.p, r]));
      expect([got.get('good_h')?.v, got.get('good_i')?.v]).toEqual([11, 12]);
      expect([got.get('dead_h'), got.get('dead_i')]).toMatchObject([{ v: null, q: 'bad' }, { v: null, q: 'bad' }]);
    }
    // Two requests per poll for unit 1; for unit 9 now and then a single probe (no retry, its second block not asked).
    const perPoll = run.requestsAtPoll.slice(first).map((n, i) => n - run.requestsAtPoll[first + i - 1]!);
    expect(new Set(perPoll)).toEqual(new Set([2, 3]));
    expect(perPoll.filter((n) => n === 3).length).toBeLessThanOrEqual(3);
    expect(run.health.parts.get('unit 9')).toBe('no response from unit 9: check unitId');
    expect(run.health.device).toBeUndefined();
    expect(opened(run, 9)).toHaveLength(1);
    expect(opened(run, 9)[0]!.msg).toContain('its 2 parameter(s) are bad without asking');

    const bank9 = new RegisterBank(100);
    bank9.holding[0] = 91;
    bank9.input[0] = 92;
    units.set(9, bank9);
    await eventually('unit 9 read again', () => (run.latest().get('dead_h')?.v === 91 && run.latest().get('dead_i')?.v === 92 ? true : undefined), 40_000);
    expect(run.health.parts.has('unit 9')).toBe(false);
    expect(run.logs.some((l) => l.msg.startsWith('modbus unit 9 of device "dev-1" answers again'))).toBe(true);
  });

  it('when every unit of the device is open-circuit, the device is unreachable', async () => {
    const { server } = await serve();
    const run = await start(server.port, [
      { id: 'a', name: 'A', table: 'holding', address: 0, unitId: 5 },
      { id: 'b', name: 'B', table: 'holding', address: 0, unitId: 6 },
    ]);
    await eventually('both breakers open', () => (opened(run, 5).length && opened(run, 6).length ? true : undefined));
    await eventually('the device unreachable', () => (run.health.device?.includes('unit 5, 6') ? true : undefined));
    expect(run.health.device).toBe(`no response from tcp://127.0.0.1:${server.port}, unit 5, 6: every request timed out in 3 polls or more`);
    expect([...run.health.parts.keys()].sort()).toEqual(['unit 5', 'unit 6']);
    expect(run.latest().get('a')).toMatchObject({ v: null, q: 'bad' });
  });

  it('on an RS-485 line (RTU on a pty) too: the extruder keeps its poll interval beside a unit nobody serves', async () => {
    const sim = await startExtruderRtu({});
    teardown(() => sim.stop());
    const run = runModbus({ connection: { transport: 'rtu', path: sim.clientPath, baudRate: 115200, parity: 'none' }, pollIntervalMs: POLL_MS, timeoutMs: 200, parameters: [
      { id: 'speed_sp', name: 'Screw speed setpoint', table: 'holding', address: 16, type: 'int32', order: 'CDAB', scale: 0.1 },
      { id: 'other', name: 'Controller 2', table: 'holding', address: 0, unitId: 2 },
    ] });
    teardown(() => run.driver.stop());
    await run.driver.start();
    await eventually('the breaker of unit 2 open', () => opened(run, 2)[0]);
    const first = run.polls.length;
    const errorsBefore = run.counters.errors;
    await eventually('ten more polls', () => (run.polls.length >= first + 10 ? true : undefined), 20_000);
    const window = run.polls.slice(first);
    // Unit 2 is asked only by the breaker's occasional probe, not at every poll (each asking would time out): the
    // poll is not held up by it (counted, not timed: a loaded machine stretches every poll alike).
    expect(run.counters.errors - errorsBefore).toBeLessThanOrEqual(3);
    for (const poll of window) expect(poll.map((r) => [r.p, r.v])).toEqual([['speed_sp', 300], ['other', null]]);
    expect(run.health.parts.get('unit 2')).toBe('no response from unit 2: check unitId');
    expect(run.health.device).toBeUndefined();
  });
});
