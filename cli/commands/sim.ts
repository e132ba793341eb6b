import { Command, InvalidArgumentError } from 'commander';
import { startSprayDryer } from '../../simulators/spray-dryer/index.js';

export function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new InvalidArgumentError(`"${raw}" is not a port number (1-65535)`);
  return port;
}

export function registerSim(program: Command): void {
  const sim = program.command('sim').description('run a simulator of pilot equipment as a real protocol server');
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
