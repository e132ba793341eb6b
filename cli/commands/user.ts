import type { Command } from 'commander';
import { Account } from '../../broker/accounts.js';
import { EquipmentTakenError, generatePassword, UserStore, usersFile } from '../../broker/user-store.js';
import { dataDirFromEnv } from '../../common/runtime/data-dir.js';

const dataDirOption = ['--data-dir <dir>', 'data directory (default PILOTHUB_DATA_DIR or ./data)'] as const;
const openStore = (dataDir?: string) => new UserStore(usersFile(dataDir ?? dataDirFromEnv()));

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** `pilothub user add/remove/list`: the broker's MQTT service accounts (broker/README.md "Security"). */
export function registerUser(program: Command): void {
  const user = program.command('user').description('manage MQTT accounts of gateways, ingest and the API');

  user.command('add')
    .argument('<username>', 'account name (for a gateway, usually its gateway id)')
    .requiredOption('--role <role>', 'gateway, ingest or api')
    .option('--site <site>', 'gateway: the site it publishes under')
    .option('--gateway <id>', 'gateway: its gateway id (status topic); default the username')
    .option('--equipment <ids>', 'gateway: comma-separated equipment ids it publishes for')
    .option('--password-stdin', 'read the password from stdin instead of generating one')
    .option(...dataDirOption)
    .description('create an account or replace its rights and password; prints a generated password once')
    .action(async (username: string, opts: { role: string; site?: string; gateway?: string; equipment?: string; passwordStdin?: boolean; dataDir?: string }) => {
      const candidate = opts.role === 'gateway'
        ? { username, role: opts.role, site: opts.site, gateway: opts.gateway ?? username, equipment: opts.equipment?.split(',').map((e) => e.trim()).filter(Boolean) ?? [] }
        : { username, role: opts.role };
      const parsed = Account.safeParse(candidate);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) process.stderr.write(`pilothub user add: --${issue.path.join('.') || 'role'}: ${issue.message}\n`);
        process.exitCode = 1;
        return;
      }
      const password = opts.passwordStdin ? await readStdin() : generatePassword();
      const store = openStore(opts.dataDir);
      try {
        await store.set(parsed.data, password);
      } catch (err) {
        if (!(err instanceof EquipmentTakenError)) throw err;
        process.stderr.write(`pilothub user add: --equipment: ${err.message}\n`);
        process.exitCode = 1;
        return;
      } finally {
        store.close();
      }
      process.stdout.write(`account "${username}" (${parsed.data.role}) saved\n`);
      if (!opts.passwordStdin) process.stdout.write(`password: ${password}\n`);
    });

  user.command('remove')
    .argument('<username>')
    .option(...dataDirOption)
    .description('delete an account; its clients are refused from their next connect')
    .action((username: string, opts: { dataDir?: string }) => {
      const store = openStore(opts.dataDir);
      const removed = store.remove(username);
      store.close();
      if (removed) process.stdout.write(`account "${username}" removed\n`);
      else { process.stderr.write(`pilothub user remove: no account "${username}"\n`); process.exitCode = 1; }
    });

  user.command('list')
    .option(...dataDirOption)
    .description('list accounts and their rights (never passwords)')
    .action((opts: { dataDir?: string }) => {
      const store = openStore(opts.dataDir);
      for (const a of store.list()) {
        process.stdout.write(a.role === 'gateway' ? `${a.username}\tgateway\tsite=${a.site} gateway=${a.gateway} equipment=${a.equipment.join(',')}\n` : `${a.username}\t${a.role}\n`);
      }
      store.close();
    });
}
