import { execFile, spawn } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../common/runtime/ports.js';
import { eventually, tempDir } from './helpers/servers.js';
import { EXAMPLE_GATEWAY_CONFIG } from './helpers/stack.js';
import { stopAtEnd } from './helpers/teardown.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');
/** Refuses tsx in every thread of the process and, with PILOTHUB_MODULE_LOG, records each module it loads. */
const GUARD = join(ROOT, 'test', 'fixtures', 'module-guard.mjs');
const ADMIN = { email: 'admin@dist.test', password: 'dist-admin-password' };

/** Issue 13: the distribution runs compiled JavaScript, one command per component, no TypeScript loader. */
describe('the compiled build (npm run build)', () => {
  beforeAll(async () => {
    await run(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT });
  }, 120_000);

  it('answers --help for every component command', async () => {
    for (const command of ['start', 'gateway', 'ingest', 'broker', 'api']) {
      const { stdout } = await run(process.execPath, ['--import', GUARD, MAIN, command, '--help']);
      expect(stdout, command).toContain(`Usage: pilothub ${command}`);
      expect(stdout, command).toContain('Environment:');
    }
  });

  it('runs the whole hub from dist/ without tsx, in every thread, and stops on SIGTERM', { timeout: 120_000 }, async () => {
    const dataDir = tempDir('pilothub-dist-');
    const hub = spawn(process.execPath, ['--import', GUARD, MAIN, 'start'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env, PILOTHUB_DATA_DIR: dataDir, PILOTHUB_API_PORT: String(await freePort()), PILOTHUB_MQTT_PORT: String(await freePort()),
        PILOTHUB_ADMIN_EMAIL: ADMIN.email, PILOTHUB_ADMIN_PASSWORD: ADMIN.password, PILOTHUB_LOG_LEVEL: 'warn',
      },
    });
    stopAtEnd(hub, 'SIGKILL');
    let stderr = '';
    hub.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-8000); });
    const apiUrl = await new Promise<string>((resolve, reject) => {
      createInterface({ input: hub.stdout! }).on('line', (line) => {
        const ready = /pilothub ready: API (http\S+)/.exec(line);
        if (ready) resolve(ready[1]!);
      });
      hub.once('exit', (code) => reject(new Error(`dist hub exited (${code}) before it was ready: ${stderr}`)));
    });
    const token = ((await (await fetch(`${apiUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })).json()) as { token: string }).token;
    const get = async <T>(path: string) => (await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<T>;
    // Readings through gateway, broker and ingest (worker threads: config loader, API thread), read back through the API.
    await eventually('dryer history from the compiled hub', async () => {
      const h = await get<{ points: unknown[] }>('/api/v1/equipment/dryer-1/history?parameter=inlet_temp');
      return h.points?.length >= 2 ? true : undefined;
    }, 60_000);
    expect((await fetch(`${apiUrl}/`)).status).toBe(200);
    hub.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => (hub.exitCode !== null ? resolve(hub.exitCode) : hub.once('exit', resolve)));
    expect(code).toBe(0);
    expect(stderr).not.toContain('the compiled build loaded tsx');
  });

  it('runs the edge gateway without loading the API, report or browser code', { timeout: 60_000 }, async () => {
    const dir = tempDir('pilothub-edge-');
    const config = join(dir, 'gateway.yaml');
    copyFileSync(EXAMPLE_GATEWAY_CONFIG, config);
    const log = join(dir, 'modules.log');
    const gateway = spawn(process.execPath, ['--import', GUARD, MAIN, 'gateway', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PILOTHUB_DATA_DIR: dir, PILOTHUB_MODULE_LOG: log, PILOTHUB_MQTT_URL: `mqtt://127.0.0.1:${await freePort()}`, PILOTHUB_GATEWAY_METRICS_PORT: String(await freePort()), PILOTHUB_LOG_LEVEL: 'warn' },
    });
    stopAtEnd(gateway, 'SIGKILL');
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: gateway.stdout! }).on('line', (line) => { if (line.includes('gateway metrics on')) resolve(); });
      gateway.once('exit', (code) => reject(new Error(`gateway exited (${code}) before it was ready`)));
    });
    gateway.kill('SIGTERM');
    expect(await new Promise((resolve) => gateway.once('exit', resolve))).toBe(0);
    const modules = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    expect(modules.some((m) => m.includes('/dist/gateway/'))).toBe(true);
    const foreign = modules.filter((m) => /\/dist\/(api|ingest|broker|simulators|hub\.js)|\/node_modules\/(fastify|@fastify|playwright-core|piscina|aedes)\//.test(m));
    expect(foreign).toEqual([]);
  });
});
