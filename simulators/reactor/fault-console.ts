import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { REACTOR_NODES, REACTOR_SETPOINTS } from './address-space.js';
import type { ReactorSim, ReactorVariable, SimQuality } from './index.js';

export const FAULT_CONSOLE_HELP = `commands (one per line on stdin):
  disconnect [seconds]        shut the endpoint down (and bring it back after the given seconds)
  reconnect                   bring the endpoint back on the same port
  freeze <variable>           stop updating a value (its source timestamp stays old)   unfreeze <variable>
  spike <variable> <value>    pin a value, e.g. out of range                           clear <variable>
  status <variable> good|uncertain|bad                                                 sensor status code
  setpoint <name> <value>     ${REACTOR_SETPOINTS.map((s) => s.key).join(', ')}
variables: ${REACTOR_NODES.map((n) => n.key).join(', ')}
`;

const VARIABLES = new Set<string>(REACTOR_NODES.map((n) => n.key));
const SETPOINTS = new Set<string>(REACTOR_SETPOINTS.map((s) => s.key));

/** Runs one fault-injection command against the simulator; returns what to print. */
export async function runFaultCommand(sim: ReactorSim, line: string): Promise<string> {
  const [command, name = '', arg] = line.trim().split(/\s+/);
  const variable = () => {
    if (!VARIABLES.has(name)) throw new Error(`unknown variable "${name}"`);
    return name as ReactorVariable;
  };
  switch (command) {
    case 'disconnect': {
      await sim.disconnect();
      const seconds = Number(name);
      if (name && Number.isFinite(seconds)) setTimeout(() => void sim.reconnect(), seconds * 1000).unref();
      return `endpoint down${name ? `, back in ${seconds} s` : ''}`;
    }
    case 'reconnect': await sim.reconnect(); return `endpoint up at ${sim.endpointUrl}`;
    case 'freeze': sim.freeze(variable(), true); return `${name} frozen`;
    case 'unfreeze': sim.freeze(variable(), false); return `${name} live`;
    case 'spike': {
      const value = Number(arg);
      if (!Number.isFinite(value)) throw new Error(`"${arg}" is not a number`);
      sim.override(variable(), value);
      return `${name} pinned to ${value}`;
    }
    case 'clear': sim.override(variable(), undefined); return `${name} live`;
    case 'status': {
      if (arg !== 'good' && arg !== 'uncertain' && arg !== 'bad') throw new Error('status must be good, uncertain or bad');
      sim.setStatus(variable(), arg as SimQuality);
      return `${name} status ${arg}`;
    }
    case 'setpoint': {
      const value = Number(arg);
      if (!SETPOINTS.has(name) || !Number.isFinite(value)) throw new Error(`usage: setpoint <${[...SETPOINTS].join('|')}> <value>`);
      sim.setSetpoint(name as 'temperatureSetpoint', value);
      return `${name} = ${value}`;
    }
    case undefined: case '': return '';
    default: return FAULT_CONSOLE_HELP;
  }
}

/** Reads fault commands line by line (e.g. from stdin of `pilothub sim opcua`). */
export function attachFaultConsole(sim: ReactorSim, input: Readable, output: Writable): void {
  const lines = createInterface({ input });
  lines.on('line', (line) => {
    runFaultCommand(sim, line)
      .then((reply) => { if (reply) output.write(`${reply}\n`); })
      .catch((err: Error) => output.write(`error: ${err.message}\n`));
  });
}
