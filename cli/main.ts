import { Command } from 'commander';
import { COMPONENTS, registerComponents } from './commands/components.js';

const program = new Command('pilothub')
  .description('telemetry hub for manufacturing pilot lines')
  .showHelpAfterError();

registerComponents(program);
// A component command (the edge gateway above all) loads only its own modules: the other commands' imports (the
// hub, simulators, the broker's stores) are not even resolved when one of them runs.
if (!COMPONENTS.includes(process.argv[2] ?? '')) {
  const [{ registerStart }, { registerCheckConfig }, { registerSim }, { registerUser }, { registerDeadLetters }, { registerBrowse }, { registerRollups }, { registerBackup }, { registerBrokerConfig }] = await Promise.all([
    import('./commands/start.js'), import('./commands/check-config.js'), import('./commands/sim.js'), import('./commands/user.js'),
    import('./commands/dead-letters.js'), import('./commands/browse.js'), import('./commands/rollups.js'), import('./commands/backup.js'),
    import('./commands/broker-config.js'),
  ]);
  registerStart(program);
  registerCheckConfig(program);
  registerSim(program);
  registerUser(program);
  registerDeadLetters(program);
  registerBrowse(program);
  registerRollups(program);
  registerBackup(program);
  registerBrokerConfig(program);
}

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`pilothub: ${err.message}\n`);
  process.exit(1);
});
