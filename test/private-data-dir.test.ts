import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, copyFileSync, existsSync, lstatSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UserStore, usersFile } from '../broker/user-store.js';
import { freePort } from '../common/runtime/ports.js';
import { eventually, tempDir } from './helpers/servers.js';
import { EXAMPLE_GATEWAY_CONFIG } from './helpers/stack.js';
import { stopAtEnd } from './helpers/teardown.js';

const CLI = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

/** Every path under `dir` (itself included) with its permission bits, relative to `dir`. */
function modes(dir: string): Map<string, number> {
  const found = new Map<string, number>();
  const walk = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    found.set(relative(dir, path) || '.', stat.mode & 0o777);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  walk(dir);
  return found;
}

const readableByOthers = (dir: string) => [...modes(dir)].filter(([, mode]) => mode & 0o077).map(([path, mode]) => `${path} ${mode.toString(8)}`);

/** `pilothub start` on `dataDir`; resolves once it is ready, with the pino lines it printed up to then. */
async function startHub(dataDir: string, configFile: string): Promise<{ hub: ChildProcess; logs: { msg?: string }[] }> {
  const hub = spawn(process.execPath, ['--import', 'tsx', CLI, 'start'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env, PILOTHUB_DATA_DIR: dataDir, PILOTHUB_API_PORT: String(await freePort()), PILOTHUB_MQTT_PORT: String(await freePort()),
      PILOTHUB_GATEWAY_CONFIG: configFile, PILOTHUB_DEMO: 'true', PILOTHUB_DEMO_HISTORY_HOURS: '0', PILOTHUB_ADMIN_PASSWORD: 'hub-admin-password', PILOTHUB_LOG_LEVEL: 'warn',
    },
  });
  stopAtEnd(hub, 'SIGKILL');
  const logs: { msg?: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: hub.stdout! }).on('line', (line) => {
      if (line.startsWith('{')) logs.push(JSON.parse(line) as { msg?: string });
      if (line.startsWith('pilothub ready')) resolve();
    });
    hub.once('exit', (code) => reject(new Error(`pilothub start exited (${code}) before it was ready`)));
  });
  return { hub, logs };
}

async function stop(hub: ChildProcess): Promise<void> {
  const exited = once(hub, 'exit');
  hub.kill('SIGTERM');
  await exited;
}

describe('the data dir is readable by its owner only (#12)', () => {
  const top = tempDir('pilothub-private-');
  // A folder the hub creates itself, as on a first start (tempDir is already private).
  const dataDir = join(top, 'data');
  const configFile = join(top, 'gateway.yaml');
  copyFileSync(EXAMPLE_GATEWAY_CONFIG, configFile);

  it('holds no file or folder group or others can read after the whole hub started on a fresh data dir', async () => {
    const { hub } = await startHub(dataDir, configFile);
    // Wait until every kind of secret-bearing file exists, SQLite side files included, so the check is not vacuous.
    const expected = [
      'broker/users.sqlite', 'broker/users.sqlite-wal', 'broker/users.sqlite-shm', 'broker/sessions.sqlite-wal', 'api/pilothub.db', 'api/pilothub.db-wal',
      'secrets/mqtt-pilothub-api.password', 'gateway/outbox-gw-hall-a.sqlite', 'gateway/drivers/reactor-1/opcua/pki/own/private/private_key.pem',
      'sim-reactor/pki/server/own/private/private_key.pem', 'influxdb/influxd.conf', 'influxdb/meta/meta.db', 'influxdb/wal/pilothub', 'ingest/dead-letters.sqlite',
    ];
    await eventually('the hub\'s files', () => (expected.every((f) => existsSync(join(dataDir, f))) ? true : undefined), 40_000);
    expect(readableByOthers(dataDir)).toEqual([]);
    expect(modes(dataDir).get('.')).toBe(0o700);
    expect(modes(dataDir).get('broker/users.sqlite')).toBe(0o600);
    await stop(hub);
    expect(readableByOthers(dataDir)).toEqual([]);
  }, 120_000);

  it('tightens what an older install left readable when it starts, and logs it once', async () => {
    // What an install without these rules left: the same files, with the default umask's modes.
    const loosened = modes(dataDir);
    for (const [path] of loosened) chmodSync(join(dataDir, path), lstatSync(join(dataDir, path)).isDirectory() ? 0o755 : 0o644);
    const { hub, logs } = await startHub(dataDir, configFile);
    expect(readableByOthers(dataDir)).toEqual([]);
    const notices = logs.filter((l) => l.msg?.includes('older install left readable'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ count: loosened.size, paths: expect.arrayContaining(['.', 'api', 'broker']) });
    await stop(hub);
  }, 120_000);
});

describe('a store a pilothub command opens outside `pilothub start` (#12)', () => {
  it('is created owner-only with its SQLite side files, and an older readable one is tightened when opened', () => {
    const dataDir = join(tempDir('pilothub-private-'), 'data');
    const bin = fileURLToPath(new URL('../bin/pilothub.js', import.meta.url));
    // A checkout whose sources changed compiles dist/ on its first command and says so on stderr: done beforehand,
    // so the stderr read below is the command's own whatever test ran first.
    expect(spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' }).status).toBe(0);
    // The usual umask, not the hub's: `pilothub user add` runs in a shell of its own.
    const add = spawnSync('sh', ['-c', 'umask 022 && exec "$0" "$@"', process.execPath, bin, 'user', 'add', 'ingest-2', '--role', 'ingest', '--data-dir', dataDir], { encoding: 'utf8' });
    expect(add.stderr).toBe('');
    expect(modes(dataDir).get('broker')).toBe(0o700);
    expect(modes(dataDir).get('broker/users.sqlite')).toBe(0o600);
    // SQLite gives the -wal and -shm it creates the main file's mode, so an older 0644 file would leak through them.
    chmodSync(usersFile(dataDir), 0o644);
    const store = new UserStore(usersFile(dataDir));
    try {
      expect(existsSync(`${usersFile(dataDir)}-wal`)).toBe(true);
      expect(readableByOthers(join(dataDir, 'broker'))).toEqual([]);
    } finally {
      store.close();
    }
  });
});
