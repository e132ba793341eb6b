import ModbusRTU from 'modbus-serial';
import { describeListenError } from '../../common/runtime/ports.js';
import type { RegisterBank } from './register-bank.js';

export interface ModbusSimServer {
  host: string;
  port: number;
  /** Requests served since start, by Modbus function code. */
  requestCount: Record<number, number>;
  stop(): Promise<void>;
}

type RegisterWriteHook = (table: 'holding' | 'coil', address: number) => void;

/**
 * Serves a RegisterBank over Modbus TCP with modbus-serial's ServerTCP.
 * `modbus-serial` falls back to port 502 when given 0, so callers pass a real free port.
 */
export async function serveModbusTcp(
  bank: RegisterBank,
  options: { host?: string; port: number; unitId?: number; onWrite?: RegisterWriteHook },
): Promise<ModbusSimServer> {
  const host = options.host ?? '127.0.0.1';
  const requestCount: Record<number, number> = {};
  const count = (fc: number) => { requestCount[fc] = (requestCount[fc] ?? 0) + 1; };
  const checkRange = (address: number, length: number, size: number) => {
    // Modbus exception 02, ILLEGAL DATA ADDRESS (Modbus application protocol §7)
    if (address + length > size) throw Object.assign(new Error('illegal data address'), { modbusErrorCode: 0x02 });
  };
  const vector = {
    getMultipleHoldingRegisters: (address: number, length: number) => {
      count(3); checkRange(address, length, bank.holding.length);
      return Array.from(bank.holding.subarray(address, address + length));
    },
    getMultipleInputRegisters: (address: number, length: number) => {
      count(4); checkRange(address, length, bank.input.length);
      return Array.from(bank.input.subarray(address, address + length));
    },
    getHoldingRegister: (address: number) => { count(3); checkRange(address, 1, bank.holding.length); return bank.holding[address]!; },
    getInputRegister: (address: number) => { count(4); checkRange(address, 1, bank.input.length); return bank.input[address]!; },
    getCoil: (address: number) => { checkRange(address, 1, bank.coil.length); return bank.coil[address] === 1; },
    getDiscreteInput: (address: number) => { checkRange(address, 1, bank.discrete.length); return bank.discrete[address] === 1; },
    setRegister: (address: number, value: number) => {
      checkRange(address, 1, bank.holding.length);
      bank.holding[address] = value;
      options.onWrite?.('holding', address);
    },
    setCoil: (address: number, value: boolean) => {
      checkRange(address, 1, bank.coil.length);
      bank.coil[address] = value ? 1 : 0;
      options.onWrite?.('coil', address);
    },
  };
  const server = new ModbusRTU.ServerTCP(vector, { host, port: options.port, unitID: options.unitId ?? 1, debug: false });
  await new Promise<void>((resolve, reject) => {
    server.on('initialized', () => resolve());
    server.on('serverError', (err: unknown) => reject(describeListenError(err, 'Modbus simulator', host, options.port)));
  });
  return {
    host, port: options.port, requestCount,
    stop: () => new Promise<void>((resolve) => {
      const internal = server as unknown as { socks?: Map<{ destroy(): void }, unknown> };
      for (const sock of internal.socks?.keys() ?? []) sock.destroy();
      server.close(() => resolve());
    }),
  };
}
