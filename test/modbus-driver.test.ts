import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../common/runtime/ports.js';
import { ModbusFaults } from '../simulators/modbus/faults.js';
import { RegisterBank } from '../simulators/modbus/register-bank.js';
import { serveModbusTcp } from '../simulators/modbus/server.js';
import { eventually } from './helpers/servers.js';
import { runModbus, sleep } from './modbus-helpers.js';

type Order = 'ABCD' | 'BADC' | 'CDAB' | 'DCBA';
const ORDERS: Order[] = ['ABCD', 'BADC', 'CDAB', 'DCBA'];

/** Encodes a big-endian value the way a device with `order` puts it into registers. */
function be(type: string, value: number | bigint): Buffer {
  const b = Buffer.alloc(type.endsWith('64') ? 8 : type.endsWith('32') ? 4 : 2);
  switch (type) {
    case 'int16': b.writeInt16BE(Number(value)); break;
    case 'uint16': b.writeUInt16BE(Number(value)); break;
    case 'int32': b.writeInt32BE(Number(value)); break;
    case 'uint32': b.writeUInt32BE(Number(value)); break;
    case 'float32': b.writeFloatBE(Number(value)); break;
    case 'float64': b.writeDoubleBE(Number(value)); break;
    case 'int64': b.writeBigInt64BE(BigInt(value)); break;
    case 'uint64': b.writeBigUInt64BE(BigInt(value)); break;
  }
  return b;
}

describe('Modbus driver against a real Modbus TCP server', () => {
  const bank = new RegisterBank(2000);
  const faults = new ModbusFaults();
  let server: Awaited<ReturnType<typeof serveModbusTcp>>;
  const running: { driver: { stop(): Promise<void> } }[] = [];
  afterAll(async () => {
    for (const r of running) await r.driver.stop();
    await server?.stop();
  });
  const start = async (device: Record<string, unknown>) => {
    server ??= await serveModbusTcp({ units: new Map([[1, bank], [7, bank]]), port: await freePort(), faults });
    const run = runModbus({ connection: { transport: 'tcp', host: '127.0.0.1', port: server.port }, pollIntervalMs: 100, timeoutMs: 200, ...device });
    running.push(run);
    await run.driver.start();
    return run;
  };

  it('decodes every type in every byte/word order, with scale and offset', async () => {
    const samples: [string, number | bigint, number][] = [
      ['int16', -1234, -1234], ['uint16', 54321, 54321], ['int32', -123456789, -123456789], ['uint32', 3_000_000_000, 3_000_000_000],
      ['float32', 123.25, 123.25], ['float64', -9876.54321, -9876.54321], ['int64', -1234567890123n, -1234567890123], ['uint64', 9007199254740991n, 9007199254740991],
    ];
    const parameters: Record<string, unknown>[] = [];
    let address = 100;
    for (const order of ORDERS) {
      for (const [type, raw, expected] of samples) {
        bank.writeBytes('holding', address, be(type, raw), order);
        parameters.push({ id: `${type}_${order.toLowerCase()}`, name: `${type} ${order}`, table: 'holding', address, type, order, expected });
        address += type.endsWith('64') ? 4 : type.endsWith('32') ? 2 : 1;
      }
    }
    bank.writeBytes('holding', 300, Buffer.from('EXTRUDER-25\0', 'latin1'), 'ABCD');
    bank.writeBytes('holding', 310, Buffer.from('EXTRUDER-25\0', 'latin1'), 'BADC');
    bank.holding[320] = 0b1010_0000_0000_0100;
    bank.writeBytes('input', 0, be('int16', 2215), 'ABCD');
    bank.coil[5] = 1;
    bank.discrete[9] = 1;
    const extra = [
      { id: 'name_abcd', name: 'Name', table: 'holding', address: 300, type: 'string', registers: 6 },
      { id: 'name_badc', name: 'Name', table: 'holding', address: 310, type: 'string', registers: 6, order: 'BADC' },
      { id: 'bit2', name: 'Bit 2', table: 'holding', address: 320, type: 'bit', bit: 2 },
      { id: 'bit3', name: 'Bit 3', table: 'holding', address: 320, type: 'bit', bit: 3 },
      { id: 'bit15', name: 'Bit 15', table: 'holding', address: 320, type: 'bit', bit: 15 },
      { id: 'scaled', name: 'Scaled', table: 'input', address: 0, type: 'int16', scale: 0.1, offset: -273.15 },
      { id: 'coil5', name: 'Coil', table: 'coil', address: 5, type: 'bool' },
      { id: 'coil6', name: 'Coil', table: 'coil', address: 6, type: 'bool' },
      { id: 'di9', name: 'Discrete', table: 'discrete', address: 9, type: 'bool' },
    ];
    const run = await start({ parameters: [...parameters.map(({ expected: _e, ...p }) => p), ...extra] });
    await eventually('a poll', () => run.polls[0]);
    const got = run.latest();
    for (const p of parameters) expect.soft(got.get(p.id as string)?.v, `${p.id as string}`).toBe(p.expected);
    expect(got.get('name_abcd')?.v).toBe('EXTRUDER-25');
    expect(got.get('name_badc')?.v).toBe('EXTRUDER-25');
    expect([got.get('bit2')?.v, got.get('bit3')?.v, got.get('bit15')?.v]).toEqual([true, false, true]);
    expect(got.get('scaled')?.v).toBeCloseTo(2215 * 0.1 - 273.15, 9);
    expect([got.get('coil5')?.v, got.get('coil6')?.v, got.get('di9')?.v]).toEqual([true, false, true]);
    expect([...got.values()].every((r) => r.q === undefined)).toBe(true);
  });

  it('reading CDAB data as ABCD gives a different number: word order is configuration', async () => {
    bank.writeFloat32('input', 50, 215.5, 'CDAB');
    const run = await start({ parameters: [
      { id: 'right', name: 'Right', table: 'input', address: 50, type: 'float32', order: 'CDAB' },
      { id: 'wrong', name: 'Wrong', table: 'input', address: 50, type: 'float32', order: 'ABCD' },
    ] });
    await eventually('a poll', () => run.polls[0]);
    expect(run.latest().get('right')?.v).toBe(215.5);
    expect(run.latest().get('wrong')?.v).not.toBe(215.5);
  });

  it('an exception response makes the affected parameters bad and logs device, unit, table and address', async () => {
    const run = await start({ id: 'press-1', parameters: [
      { id: 'h', name: 'Holding', table: 'holding', address: 40, type: 'uint16' },
      { id: 'i', name: 'Input', table: 'input', address: 40, type: 'uint16' },
    ] });
    await eventually('a good poll', () => run.polls.find((p) => p.every((r) => r.q === undefined)));
    // 04 SERVER DEVICE FAILURE: a transient answer, asked again next poll (02/03 are refusals: modbus-refusals.test.ts)
    faults.raise(0x04, 'holding');
    const bad = await eventually('a poll with holding bad', () => run.polls.find((p) => p.find((r) => r.p === 'h')?.q === 'bad'));
    faults.raise(undefined);
    expect(bad.find((r) => r.p === 'h')).toMatchObject({ v: null, q: 'bad' });
    expect(bad.find((r) => r.p === 'i')?.q).toBeUndefined();
    const line = run.logs.find((l) => l.msg.includes('modbus read failed'));
    expect(line?.msg).toContain('device "press-1" unit 1 holding 40..40');
    expect(line).toMatchObject({ unitId: 1, table: 'holding', address: 40 });
    await eventually('holding good again', () => (run.latest().get('h')?.q === undefined ? true : undefined));
  });

  it('a slow device times out, is retried, and its parameters go bad; a unit nobody serves too', async () => {
    const run = await start({ retries: 2, parameters: [{ id: 'h', name: 'Holding', table: 'holding', address: 60 }] });
    const silent = await start({ connection: { transport: 'tcp', host: '127.0.0.1', port: server.port, unitId: 42 }, retries: 0, parameters: [{ id: 'h', name: 'H', table: 'holding', address: 60 }] });
    await eventually('a good poll', () => run.polls[0]);
    faults.delayMs = 400;
    const before = run.counters.requests;
    await eventually('a bad poll', () => run.polls.find((p) => p[0]?.q === 'bad'));
    faults.delayMs = 0;
    // one request and two retries, each timed out
    expect(run.counters.requests - before).toBeGreaterThanOrEqual(3);
    expect(run.logs.some((l) => /Timed out/i.test(l.msg) && l.msg.includes('unit 1 holding 60..60'))).toBe(true);
    await eventually('the slow device good again', () => (run.latest().get('h')?.q === undefined ? true : undefined));
    expect(silent.polls.length).toBeGreaterThan(0);
    expect(silent.polls.every((p) => p[0]?.q === 'bad')).toBe(true);
    expect(silent.logs.some((l) => l.msg.includes('unit 42 holding'))).toBe(true);
  });

  it('answers per unit id: parameters of another unit on the same line are read from that unit', async () => {
    bank.holding[70] = 77;
    const run = await start({ parameters: [
      { id: 'u1', name: 'Unit 1', table: 'holding', address: 70 },
      { id: 'u7', name: 'Unit 7', table: 'holding', address: 70, unitId: 7 },
    ] });
    await eventually('a poll', () => run.polls[0]);
    expect(run.latest().get('u1')?.v).toBe(77);
    expect(run.latest().get('u7')?.v).toBe(77);
  });

  it('a dropped connection makes every parameter bad, then data resumes on its own', async () => {
    const run = await start({ parameters: [{ id: 'h', name: 'Holding', table: 'holding', address: 80 }] });
    await eventually('a good poll', () => run.polls[0]);
    faults.disconnect(1000);
    await eventually('a bad poll', () => run.polls.find((p) => p[0]?.q === 'bad'));
    await sleep(1000);
    const resumed = run.polls.length;
    await eventually('good again', () => run.polls.slice(resumed).find((p) => p[0]?.q === undefined));
  });
});
