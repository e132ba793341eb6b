import { startBroker } from '../../broker/broker.js';
import { UserStore } from '../../broker/user-store.js';
import { equipmentOwnersFromFile } from '../../ingest/account-bindings.js';
import { startIngest } from '../../ingest/ingest.js';

/**
 * One part of the benchmarked pipeline in a process of its own (forked by pipeline.ts), as `pilothub broker` and
 * `pilothub ingest` run in a split deployment, so the benchmark can read each one's CPU time from /proc.
 * argv: `broker <users.sqlite> <sessions.sqlite>` or `ingest <json IngestOptions + accountsFile>`.
 * Parent messages: `{ notifyAt: n }` (answer `{ reached: n }` once ingest has written n readings), `'stop'`.
 */
const [role, ...args] = process.argv.slice(2);
const send = (message: unknown) => process.send!(message);
// A benchmark that dies leaves no broker or ingest behind.
process.on('disconnect', () => process.exit(1));

if (role === 'broker') {
  const users = new UserStore(args[0]!);
  const broker = await startBroker({ port: 0, users, persistenceFile: args[1] });
  process.on('message', (message) => {
    if (message === 'stop') void broker.stop().then(() => { users.close(); process.exit(0); });
  });
  send({ ready: true, port: broker.port });
} else if (role === 'ingest') {
  const { accountsFile, ...options } = JSON.parse(args[0]!) as Parameters<typeof startIngest>[0] & { accountsFile: string };
  const ingest = await startIngest({ ...options, equipmentOwners: equipmentOwnersFromFile(accountsFile) });
  let timer: NodeJS.Timeout | undefined;
  process.on('message', (message: unknown) => {
    if (message === 'stop') {
      clearInterval(timer);
      void ingest.stop().then(() => process.exit(0));
      return;
    }
    const target = (message as { notifyAt: number }).notifyAt;
    // Polled in process: a count query every few ms would itself load influxd.
    timer = setInterval(() => {
      if (ingest.metrics.readingsWritten < target) return;
      clearInterval(timer);
      send({ reached: ingest.metrics.readingsWritten });
    }, 5);
  });
  send({ ready: true });
} else {
  process.stderr.write(`pipeline-child: unknown role "${role}"\n`);
  process.exit(2);
}
