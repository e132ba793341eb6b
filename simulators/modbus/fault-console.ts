import { createInterface } from 'node:readline';
import type { ModbusFaults } from './faults.js';
import type { Table } from './register-bank.js';
import type { ValueFaults } from './value-faults.js';

export const MODBUS_FAULT_HELP = `type a command and Enter:
  disconnect MS            drop connections and answer nothing for MS milliseconds
  slow MS                  answer every request MS milliseconds late (0: normal)
  exception CODE [TABLE]   answer with Modbus exception CODE (1-11), in TABLE (coil|discrete|input|holding) or all
  refuse TABLE ADDR [CODE] refuse every read covering ADDR of TABLE with exception CODE (default 2, illegal data address)
  accept TABLE ADDR        stop refusing ADDR of TABLE
  freeze on|off            instruments keep showing their current values
  spike NAME VALUE MS      show VALUE on measurement NAME for MS milliseconds
  clear                    end every fault
`;

const TABLES = ['coil', 'discrete', 'input', 'holding'];

/** Applies one fault command; returns what happened, or why the command is wrong. */
export function applyFaultCommand<M extends string>(line: string, faults: ModbusFaults, values: ValueFaults<M>, measurements: readonly M[]): string {
  const [cmd, ...args] = line.trim().split(/\s+/);
  const num = (s: string | undefined) => (s !== undefined && /^\d+(\.\d+)?$/.test(s) ? Number(s) : undefined);
  switch (cmd) {
    case 'disconnect': {
      const ms = num(args[0]);
      if (ms === undefined) return 'usage: disconnect MS';
      faults.disconnect(ms);
      return `disconnected for ${ms} ms`;
    }
    case 'slow': {
      const ms = num(args[0]);
      if (ms === undefined) return 'usage: slow MS';
      faults.delayMs = ms;
      return `answers delayed by ${ms} ms`;
    }
    case 'exception': {
      const code = num(args[0]);
      if (code === undefined || code < 1 || code > 11 || (args[1] !== undefined && !TABLES.includes(args[1]))) return 'usage: exception CODE(1-11) [coil|discrete|input|holding]';
      faults.raise(code, args[1] as Table | undefined);
      return `answering with exception ${code}${args[1] ? ` in ${args[1]}` : ''}`;
    }
    case 'refuse':
    case 'accept': {
      const address = num(args[1]);
      const code = args[2] === undefined ? 0x02 : num(args[2]);
      if (!TABLES.includes(args[0] ?? '') || address === undefined || !Number.isInteger(address) || code === undefined || code < 1 || code > 11) {
        return `usage: refuse coil|discrete|input|holding ADDRESS [CODE(1-11)] | accept coil|discrete|input|holding ADDRESS`;
      }
      if (cmd === 'accept') {
        faults.accept(args[0] as Table, address);
        return `${args[0]} ${address} answered again`;
      }
      faults.refuse(args[0] as Table, address, code);
      return `refusing ${args[0]} ${address} with exception ${code}`;
    }
    case 'freeze':
      if (args[0] !== 'on' && args[0] !== 'off') return 'usage: freeze on|off';
      values.freeze(args[0] === 'on');
      return `values ${args[0] === 'on' ? 'frozen' : 'live'}`;
    case 'spike': {
      const [name, rawValue, rawMs] = args;
      const value = Number(rawValue);
      const ms = num(rawMs);
      if (!measurements.includes(name as M) || !Number.isFinite(value) || ms === undefined) return `usage: spike NAME VALUE MS, NAME one of ${measurements.join(', ')}`;
      values.spike(name as M, value, ms);
      return `${name} shows ${value} for ${ms} ms`;
    }
    case 'clear':
      faults.clear();
      values.clear();
      return 'all faults cleared';
    default:
      return `unknown command "${cmd ?? ''}"\n${MODBUS_FAULT_HELP}`;
  }
}

/** Reads fault commands line by line (the simulator's stdin) and answers on `output`. */
export function attachModbusFaultConsole<M extends string>(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, faults: ModbusFaults, values: ValueFaults<M>, measurements: readonly M[]): void {
  createInterface({ input }).on('line', (line) => {
    if (line.trim()) output.write(`${applyFaultCommand(line, faults, values, measurements)}\n`);
  });
}
