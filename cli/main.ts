import { Command } from 'commander';
import { registerCheckConfig } from './commands/check-config.js';
import { registerSim } from './commands/sim.js';
import { registerStart } from './commands/start.js';

const program = new Command('pilothub')
  .description('telemetry hub for manufacturing pilot lines')
  .showHelpAfterError();

registerStart(program);
registerCheckConfig(program);
registerSim(program);

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`pilothub: ${err.message}\n`);
  process.exit(1);
});
