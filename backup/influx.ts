import { execFile } from 'node:child_process';
import { INFLUXD_INSTALL_HINT } from '../common/runtime/influxd.js';

/**
 * Runs `influxd backup -portable` or `influxd restore -portable` against the RPC service at `host` (all databases,
 * metadata included). The portable format is InfluxDB's own: an operator can restore it without pilothub, and
 * it restores into InfluxDB 1.5+ OSS and Enterprise alike.
 */
export function influxdPortable(command: 'backup' | 'restore', host: string, dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('influxd', [command, '-portable', '-host', host, dir], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(`${stdout}${stderr}`);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error(INFLUXD_INSTALL_HINT));
      const tail = `${stdout}${stderr}`.trim().split('\n').slice(-3).join(' | ');
      const hint = /connection refused|connect:/i.test(tail) ? ` (nothing answers on ${host}: is the InfluxDB server running, with its RPC bind-address there?)` : '';
      reject(new Error(`influxd ${command} -portable -host ${host} ${dir} failed: ${tail || err.message}${hint}`));
    });
  });
}
