import { Command, InvalidArgumentError } from 'commander';
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
    .action(async (options: { port: number; host: string; stopped?: boolean }) => {
      const dryer = await startSprayDryer({ port: options.port, host: options.host, running: !options.stopped });
      process.stdout.write(`spray dryer simulator listening on modbus tcp://${dryer.host}:${dryer.port} (unit 1)\n`);
      const stop = () => void dryer.stop().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
