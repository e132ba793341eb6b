import type { ModbusFaults } from './faults.js';
import type { RegisterBank, Table } from './register-bank.js';

export type RegisterWriteHook = (table: 'holding' | 'coil', address: number, unitId: number) => void;
type Callback<T> = (err: Error | null, value: T) => void;

/**
 * Passed with an error: modbus-serial 8.0's FC4 handler indexes the values even then, and without an array the
 * resulting TypeError would go out as exception 04 instead of the code given.
 */
const NO_VALUES: unknown = [];

/**
 * The modbus-serial server "vector" over one RegisterBank per unit id. Callback style, so an answer can be
 * delayed, replaced by an exception, or withheld: a unit nobody serves stays silent, as on a real bus.
 */
export function createVector(units: Map<number, RegisterBank>, faults: ModbusFaults, onWrite?: RegisterWriteHook) {
  const answer = <T>(unitId: number, table: Table, address: number, length: number, cb: Callback<T>, read: (bank: RegisterBank) => T) => {
    const bank = units.get(unitId);
    if (!bank || faults.silent) return;
    const respond = () => {
      const code = faults.exceptionFor(table) ?? faults.refusalFor(table, address, length);
      if (code !== undefined) return cb(exception(code), NO_VALUES as T);
      // Modbus exception 02, ILLEGAL DATA ADDRESS (Modbus application protocol §7)
      if (address + length > (table === 'coil' || table === 'discrete' ? bank.bits(table).length : bank.registers(table).length)) return cb(exception(0x02), NO_VALUES as T);
      cb(null, read(bank));
    };
    if (faults.delayMs > 0) setTimeout(respond, faults.delayMs);
    else respond();
  };
  return {
    getMultipleHoldingRegisters: (address: number, length: number, unitId: number, cb: Callback<number[]>) =>
      answer(unitId, 'holding', address, length, cb, (b) => Array.from(b.holding.subarray(address, address + length))),
    getMultipleInputRegisters: (address: number, length: number, unitId: number, cb: Callback<number[]>) =>
      answer(unitId, 'input', address, length, cb, (b) => Array.from(b.input.subarray(address, address + length))),
    getHoldingRegister: (address: number, unitId: number, cb: Callback<number>) => answer(unitId, 'holding', address, 1, cb, (b) => b.holding[address]!),
    getInputRegister: (address: number, unitId: number, cb: Callback<number>) => answer(unitId, 'input', address, 1, cb, (b) => b.input[address]!),
    getCoil: (address: number, unitId: number, cb: Callback<boolean>) => answer(unitId, 'coil', address, 1, cb, (b) => b.coil[address] === 1),
    getDiscreteInput: (address: number, unitId: number, cb: Callback<boolean>) => answer(unitId, 'discrete', address, 1, cb, (b) => b.discrete[address] === 1),
    setRegister: (address: number, value: number, unitId: number, cb: Callback<void>) => answer(unitId, 'holding', address, 1, cb, (b) => {
      b.holding[address] = value;
      onWrite?.('holding', address, unitId);
    }),
    setCoil: (address: number, value: boolean, unitId: number, cb: Callback<void>) => answer(unitId, 'coil', address, 1, cb, (b) => {
      b.coil[address] = value ? 1 : 0;
      onWrite?.('coil', address, unitId);
    }),
  };
}

/** modbus-serial turns an error carrying `modbusErrorCode` into that exception response. */
function exception(code: number): Error {
  return Object.assign(new Error(`modbus exception ${code}`), { modbusErrorCode: code });
}
