import { Command } from 'commander';
import { registerBackup } from './commands/backup.js';
import { registerBrowse } from './commands/browse.js';
import { registerCheckConfig } from './commands/check-config.js';
import { registerDeadLetters } from './commands/dead-letters.js';
import { registerRollups } from './commands/rollups.js';
import { registerSim } from './commands/sim.js';
import { registerStart } from './commands/start.js';
import { registerUser } from './commands/user.js';

const program = new Command('pilothub')
  .description('telemetry hub for manufacturing pilot lines')
  .showHelpAfterError();

registerStart(program);
registerCheckConfig(program);
registerSim(program);
registerUser(program);
registerDeadLetters(program);
registerBrowse(program);
registerRollups(program);
registerBackup(program);

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`pilothub: ${err.message}\n`);
  process.exit(1);
});
