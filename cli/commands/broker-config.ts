import { spawnSync } from 'node:child_process';
import { chmodSync, renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { MissingBcryptError, natsConf, NatsClusterOptions } from '../../broker/nats-config.js';
import { UserStore, usersFile } from '../../broker/user-store.js';
import { dataDirFromEnv } from '../../common/runtime/data-dir.js';

/** `host[:clientPort:clusterPort:mqttPort]`, ports defaulting to NATS' 4222, 6222 and MQTT's 1883. */
function parseNode(entry: string): Record<string, unknown> {
  const [host, clientPort, clusterPort, mqttPort, ...rest] = entry.split(':');
  if (rest.length || (clientPort !== undefined && mqttPort === undefined)) return { host: entry, malformed: 'host or host:clientPort:clusterPort:mqttPort' };
  return clientPort === undefined ? { host } : { host, clientPort: Number(clientPort), clusterPort: Number(clusterPort), mqttPort: Number(mqttPort) };
}

/** The first release whose interest streams keep a message until every consumer has it (nats-server#4006). */
const NATS_PRE_ACK_FIX = [2, 9, 16];

/**
 * A warning when the nats-server on this machine is older than NATS_PRE_ACK_FIX: there a QoS 1 subscriber of the data
 * besides ingest can make ingest lose readings (docs/scale-out.md, "limits of NATS 2.9.10"). Silent without one.
 */
function natsVersionWarning(): string | undefined {
  const probe = spawnSync('nats-server', ['--version'], { encoding: 'utf8', timeout: 5000 });
  const version = /v(\d+)\.(\d+)\.(\d+)/.exec(probe.stdout ?? '')?.slice(1).map(Number);
  if (!version) return undefined;
  const older = version.findIndex((part, i) => part !== NATS_PRE_ACK_FIX[i]);
  if (older < 0 || version[older]! > NATS_PRE_ACK_FIX[older]!) return undefined;
  return `nats-server ${version.join('.')} on this machine may drop a QoS 1 message for ingest when another QoS 1 subscriber of the data acknowledged it first (fixed in ${NATS_PRE_ACK_FIX.join('.')}, nats-server#4006): run ${NATS_PRE_ACK_FIX.join('.')} or later if anything besides ingest subscribes to the data at QoS 1 (docs/scale-out.md)`;
}

/** `pilothub broker-config nats`: a NATS server node's configuration from the MQTT accounts (docs/scale-out.md). */
export function registerBrokerConfig(program: Command): void {
  const config = program.command('broker-config').description('write the configuration of an external MQTT broker from the MQTT accounts');
  config.command('nats')
    .requiredOption('--node <n>', 'which node this file is for: its 1-based position in --nodes')
    .requiredOption('--nodes <list>', 'every node of the cluster, comma-separated: host or host:clientPort:clusterPort:mqttPort')
    .requiredOption('--store-dir <dir>', "this node's JetStream directory")
    .requiredOption('--out <file>', 'file to write (mode 0600)')
    .option('--cluster <name>', 'cluster name', 'pilothub')
    .option('--replicas <n>', 'replicas of the MQTT streams (default 3 with three nodes or more, else 1)')
    .option('--ack-wait <seconds>', 'seconds a QoS 1 delivery waits for its PUBACK before it is sent again', '30')
    .option('--data-dir <dir>', 'data directory (default PILOTHUB_DATA_DIR or ./data)')
    .description('a NATS server (2.9+, JetStream) node serving MQTT with the same accounts and rights as the built-in broker')
    .action((opts: { node: string; nodes: string; storeDir: string; out: string; cluster: string; replicas?: string; ackWait: string; dataDir?: string }) => {
      const nodes = opts.nodes.split(',').map((n) => n.trim()).filter(Boolean).map(parseNode);
      const malformed = nodes.findIndex((n) => 'malformed' in n);
      if (malformed >= 0) {
        process.stderr.write(`pilothub broker-config nats: --nodes: entry ${malformed + 1} "${String(nodes[malformed]!.host)}" must be ${String(nodes[malformed]!.malformed)}\n`);
        process.exitCode = 2;
        return;
      }
      const parsed = NatsClusterOptions.safeParse({
        cluster: opts.cluster, nodes, node: Number(opts.node), storeDir: opts.storeDir,
        streamReplicas: opts.replicas === undefined ? undefined : Number(opts.replicas), ackWaitSeconds: Number(opts.ackWait),
      });
      if (!parsed.success) {
        const flag: Record<string, string> = { nodes: '--nodes', node: '--node', streamReplicas: '--replicas', ackWaitSeconds: '--ack-wait', cluster: '--cluster', storeDir: '--store-dir' };
        for (const issue of parsed.error.issues) {
          const [field, ...rest] = issue.path.map(String);
          const where = field === 'nodes' && rest.length ? `--nodes: entry ${Number(rest[0]) + 1} ${rest.slice(1).join('.')}` : flag[field ?? ''] ?? field;
          process.stderr.write(`pilothub broker-config nats: ${where}: ${issue.message}\n`);
        }
        process.exitCode = 2;
        return;
      }
      const store = new UserStore(usersFile(opts.dataDir ?? dataDirFromEnv()));
      let text: string;
      try {
        text = natsConf(parsed.data, store.listWithBcrypt());
      } catch (err) {
        if (!(err instanceof MissingBcryptError)) throw err;
        process.stderr.write(`pilothub broker-config nats: ${err.message}\n`);
        process.exitCode = 1;
        return;
      } finally {
        store.close();
      }
      // Written beside and renamed, so a running server reloading it never reads half a file; 0600 either way.
      const temp = `${opts.out}.${process.pid}.tmp`;
      writeFileSync(temp, text, { mode: 0o600 });
      chmodSync(temp, 0o600);
      renameSync(temp, opts.out);
      process.stdout.write(`wrote ${opts.out}: NATS node ${parsed.data.node} of ${parsed.data.nodes.length}, ${text.split('{ user: ').length - 1} account(s)\n`);
      const warning = natsVersionWarning();
      if (warning) process.stderr.write(`pilothub broker-config nats: warning: ${warning}\n`);
    });
}
