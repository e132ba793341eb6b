import { Command, InvalidArgumentError } from 'commander';
import { applyFaultCommand, attachModbusFaultConsole, MODBUS_FAULT_HELP } from '../../simulators/modbus/fault-console.js';
import type { ModbusFaults } from '../../simulators/modbus/faults.js';
import type { ValueFaults } from '../../simulators/modbus/value-faults.js';
import { startSprayDryer } from '../../simulators/spray-dryer/index.js';

export function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new InvalidArgumentError(`"${raw}" is not a port number (1-65535)`);
  return port;
}

export function registerSim(program: Command): void {
  const sim = program.command('sim').description('run a simulator of pilot equipment as a real protocol server');
  sim.command('opcua')
    .description('OPC UA jacketed batch reactor R-101 (address space: simulators/README.md)')
    .option('--port <port>', 'TCP port', parsePort, 4840)
    .option('--host <host>', 'address to listen on and to advertise', '127.0.0.1')
    .option('--data-dir <dir>', 'where the server keeps its PKI (certificate, trusted client certificates)', 'data/sim-reactor')
    .option('--user <name:password>', 'accept this user (repeatable); anonymous access stays allowed unless --no-anonymous', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--no-anonymous', 'refuse anonymous sessions')
    .option('--secure-only', 'offer only Sign and SignAndEncrypt endpoints')
    .action(async (options: { port: number; host: string; dataDir: string; user: string[]; anonymous: boolean; secureOnly?: boolean }) => {
      // Loaded here so other commands do not pay for importing node-opcua (~1 s).
      const { startReactor } = await import('../../simulators/reactor/index.js');
      const { attachFaultConsole, FAULT_CONSOLE_HELP } = await import('../../simulators/reactor/fault-console.js');
      const users = options.user.map((u) => {
        const at = u.indexOf(':');
        if (at < 1) throw new InvalidArgumentError(`--user "${u}" must be name:password`);
        return { username: u.slice(0, at), password: u.slice(at + 1) };
      });
      const reactor = await startReactor({
        port: options.port, host: options.host, dataDir: options.dataDir, users, allowAnonymous: options.anonymous,
        securityModes: options.secureOnly ? ['Sign', 'SignAndEncrypt'] : undefined,
      });
      process.stdout.write(`reactor simulator listening on ${reactor.endpointUrl} (certificate ${reactor.certificateFile})\n`);
      process.stdout.write(`fault injection: ${FAULT_CONSOLE_HELP}`);
      attachFaultConsole(reactor, process.stdin, process.stdout);
      const stop = () => void reactor.stop().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  sim.command('modbus')
    .description('Modbus TCP spray dryer (register map: simulators/README.md)')
    .option('--port <port>', 'TCP port', parsePort, 5020)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--stopped', 'start with the dryer switched off')
    .option('--fault <command>', 'start with a fault (as typed on stdin, e.g. "slow 300"); repeatable', collect, [] as string[])
    .action(async (options: { port: number; host: string; stopped?: boolean; fault: string[] }) => {
      const dryer = await startSprayDryer({ port: options.port, host: options.host, running: !options.stopped });
      process.stdout.write(`spray dryer simulator listening on modbus tcp://${dryer.host}:${dryer.port} (unit 1)\n`);
      startFaultConsole(dryer.faults, dryer.values, ['inletTemp', 'outletTemp', 'feedRate', 'atomizerSpeed'], options.fault);
      const stop = () => void dryer.stop().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  sim.command('extruder')
    .description('Modbus twin-screw extruder, CDAB float32/int32 (register map: simulators/README.md)')
    .option('--port <port>', 'Modbus TCP port', parsePort, 5021)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--rtu', 'serve Modbus RTU on a pseudo-terminal (socat) instead of TCP; prints the device to open')
    .option('--rtu-tcp-port <port>', 'with --rtu: also forward RTU frames over TCP on this port (a serial device server)', parsePort)
    .option('--unit <id>', 'unit id', (v: string) => Number(v), 1)
    .option('--stopped', 'start with the extruder switched off')
    .option('--fault <command>', 'start with a fault (as typed on stdin, e.g. "exception 4 input"); repeatable', collect, [] as string[])
    .action(async (options: { port: number; host: string; rtu?: boolean; rtuTcpPort?: number; unit: number; stopped?: boolean; fault: string[] }) => {
      const { startExtruder, startExtruderRtu } = await import('../../simulators/extruder/index.js');
      const base = { host: options.host, unitId: options.unit, running: !options.stopped };
      const extruder = options.rtu ? await startExtruderRtu({ ...base, tcpPort: options.rtuTcpPort }) : await startExtruder({ ...base, port: options.port });
      const where = 'clientPath' in extruder
        ? `modbus rtu on ${extruder.clientPath}${extruder.tcp ? ` and rtu-over-tcp ${extruder.tcp.host}:${extruder.tcp.port}` : ''}`
        : `modbus tcp://${extruder.host}:${extruder.port}`;
      process.stdout.write(`extruder simulator listening on ${where} (unit ${options.unit})\n`);
      const zones = Array.from({ length: 8 }, (_, i) => `zone${i + 1}` as const);
      startFaultConsole(extruder.faults, extruder.values, [...zones, 'meltTemp', 'meltPressure', 'screwSpeed', 'torque'], options.fault);
      const stop = () => void extruder.stop().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}

function collect(value: string, all: string[]): string[] {
  return [...all, value];
}

/** Applies the --fault commands, then takes more from stdin while the simulator runs. */
function startFaultConsole<M extends string>(faults: ModbusFaults, values: ValueFaults<M>, measurements: readonly M[], initial: string[]): void {
  for (const command of initial) process.stdout.write(`${applyFaultCommand(command, faults, values, measurements)}\n`);
  process.stdout.write(`fault injection: ${MODBUS_FAULT_HELP}`);
  attachModbusFaultConsole(process.stdin, process.stdout, faults, values, measurements);
}
