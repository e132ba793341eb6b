import type { Command } from 'commander';
import { ConfigError, formatProblem } from '../../common/runtime/config-file.js';
import { loadGatewayConfig } from '../../gateway/config.js';

export function registerCheckConfig(program: Command): void {
  program.command('check-config')
    .argument('<file>', 'gateway YAML configuration')
    .description('validate a gateway configuration; lists every problem with file:line:column, path and device; exit 1 if any')
    .action((file: string) => {
      try {
        const config = loadGatewayConfig(file);
        const parameters = config.devices.reduce((n, d) => n + d.parameters.length, 0);
        process.stdout.write(`${file}: OK (gateway "${config.gateway.id}", ${config.devices.length} device(s), ${parameters} parameter(s))\n`);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        for (const problem of err.problems) process.stderr.write(`${formatProblem(problem)}\n`);
        process.stderr.write(`${err.problems.length} problem(s) found\n`);
        process.exitCode = 1;
      }
    });
}
