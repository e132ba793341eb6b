import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from './ports.js';

export const INFLUXD_INSTALL_HINT = 'influxd was not found. Install InfluxDB 1.x first: sudo apt-get install -y influxdb';

export interface PrivateInfluxd {
  url: string;
  port: number;
  /** host:port of influxd's RPC service, which `influxd backup` and `influxd restore` talk to. */
  rpcAddress: string;
  dataDir: string;
  stop(): Promise<void>;
  /** Kills the server at once, for fault tests. */
  kill(): Promise<void>;
}

/**
 * Starts a private influxd on a free loopback port with its data under `dataDir`.
 * The server runs under a shell watchdog that kills it when our stdin pipe closes,
 * so influxd never outlives this process, even when it is killed with SIGKILL.
 */
export async function startPrivateInfluxd(options: { dataDir: string; port?: number; /** HTTP authentication on, as an external server may have it (tests). */ authEnabled?: boolean }): Promise<PrivateInfluxd> {
  const dataDir = resolve(options.dataDir);
  const baseConfig = spawnSync('influxd', ['config'], { encoding: 'utf8' });
  if (baseConfig.error || baseConfig.status !== 0) throw new Error(INFLUXD_INSTALL_HINT);
  mkdirSync(dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const rpcAddress = `127.0.0.1:${await freePort()}`;
  const configFile = join(dataDir, 'influxd.conf');
  writeFileSync(configFile, privateConfig(baseConfig.stdout, dataDir, { port, rpcAddress, authEnabled: options.authEnabled ?? false }));

  const child = spawn('sh', ['-c', WATCHDOG, 'influxd-watchdog', configFile], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForPing(url, child, () => stderr);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  // Written once the server is up, so `pilothub backup` (another process) finds the RPC port of the running server.
  writeFileSync(join(dataDir, RPC_ADDRESS_FILE), `${rpcAddress}\n`);
  return { url, port, rpcAddress, dataDir, stop: () => stopChild(child), kill: () => stopChild(child, 'KILL') };
}

/** Where a private influxd's RPC address is recorded, inside its data dir. */
export const RPC_ADDRESS_FILE = 'rpc-address';

/** The RPC address the private influxd with data in `dataDir` was last started with; undefined if none was. */
export function recordedRpcAddress(dataDir: string): string | undefined {
  try {
    return readFileSync(join(dataDir, RPC_ADDRESS_FILE), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

// `head` returns when our end of stdin closes (normal stop or our death); then influxd is signalled.
// The signal name arrives on stdin so `kill()` can ask for SIGKILL. Background jobs of a
// non-interactive shell get /dev/null as stdin (POSIX), hence the explicit copy to fd 3.
const WATCHDOG = `exec 3<&0
influxd -config "$1" </dev/null & pid=$!
(sig=$(head -c 8 <&3); kill -"\${sig:-TERM}" $pid 2>/dev/null) &
wait $pid`;

// The top-level bind-address is the RPC service of `influxd backup`/`restore`: on a known loopback port, not :0,
// since those commands must be told where it is.
function privateConfig(base: string, dataDir: string, { port, rpcAddress, authEnabled }: { port: number; rpcAddress: string; authEnabled: boolean }): string {
  let section = '';
  return base.split('\n').map((line) => {
    const header = /^\[([a-z-]+)\]/.exec(line.trim());
    if (header) section = header[1]!;
    const set = (key: string, value: string) => (new RegExp(`^\\s*${key}\\s*=`).test(line) ? `  ${key} = ${value}` : undefined);
    const top = section === '' ? set('bind-address', JSON.stringify(rpcAddress)) ?? set('reporting-enabled', 'false') : undefined;
    const rewritten = top
      ?? (section === 'meta' ? set('dir', JSON.stringify(join(dataDir, 'meta'))) ?? set('logging-enabled', 'false') : undefined)
      ?? (section === 'data' ? set('dir', JSON.stringify(join(dataDir, 'data'))) ?? set('wal-dir', JSON.stringify(join(dataDir, 'wal'))) ?? set('query-log-enabled', 'false') : undefined)
      ?? (section === 'monitor' ? set('store-enabled', 'false') : undefined)
      ?? (section === 'http' ? set('bind-address', `"127.0.0.1:${port}"`) ?? set('log-enabled', 'false') ?? set('auth-enabled', String(authEnabled)) : undefined);
    return rewritten ?? line;
  }).join('\n');
}

async function waitForPing(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`influxd exited before it was ready: ${stderr().trim().split('\n').slice(-3).join(' | ')}`);
    try {
      const res = await fetch(`${url}/ping`);
      if (res.status === 204) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`influxd did not answer ${url}/ping within 20 s: ${stderr().trim().split('\n').slice(-3).join(' | ')}`);
}

function stopChild(child: ChildProcess, signal: 'TERM' | 'KILL' = 'TERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    child.once('exit', () => resolveStop());
    child.stdin?.end(signal);
  });
}
