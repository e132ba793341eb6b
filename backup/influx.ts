import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { INFLUXD_INSTALL_HINT } from '../common/runtime/influxd.js';

/**
 * Runs `influxd backup -portable` or `influxd restore -portable` against the RPC service at `host` (all databases,
 * metadata included). The portable format is InfluxDB's own: an operator can restore it without pilothub, and
 * it restores into InfluxDB 1.5+ OSS and Enterprise alike.
 */
export async function influxdPortable(command: 'backup' | 'restore', host: string, dir: string): Promise<string> {
  await assertListening(host);
  return new Promise((resolve, reject) => {
    execFile('influxd', [command, '-portable', '-host', host, dir], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(`${stdout}${stderr}`);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error(INFLUXD_INSTALL_HINT));
      const tail = `${stdout}${stderr}`.trim().split('\n').slice(-3).join(' | ');
      reject(new Error(`influxd ${command} -portable -host ${host} ${dir} failed: ${tail || err.message}`));
    });
  });
}

/**
 * influxd retries a refused connection with growing pauses for minutes before giving up, so a stopped hub or a wrong
 * --influx-host is found out here first, with a connect that fails at once.
 */
function assertListening(host: string): Promise<void> {
  const match = /^(.*):(\d+)$/.exec(host);
  if (!match) return Promise.reject(new Error(`InfluxDB RPC address "${host}" is not HOST:PORT`));
  return new Promise((resolve, reject) => {
    const socket = connect({ host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]), timeout: 5000 });
    const fail = (reason: string) => {
      socket.destroy();
      reject(new Error(`nothing answers on ${host} (${reason}): is the InfluxDB server running, with its RPC bind-address there? For the private influxd: is the hub running on this data dir?`));
    };
    socket.once('connect', () => { socket.end(); resolve(); });
    socket.once('timeout', () => fail('no answer within 5 s'));
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
  });
}
