import { execFile, spawn } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../common/runtime/ports.js';
import { eventually, tempDir } from './helpers/servers.js';
import { EXAMPLE_GATEWAY_CONFIG } from './helpers/stack.js';
import { UserStore, usersFile } from '../broker/user-store.js';
import { influxd, sprayDryer } from './helpers/servers.js';
import { dryerGatewayYaml } from './helpers/gateway-yaml.js';
import { stopAtEnd } from './helpers/teardown.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');
/** Refuses tsx in every thread of the process and, with PILOTHUB_MODULE_LOG, records each module it loads. */
const GUARD = join(ROOT, 'test', 'fixtures', 'module-guard.mjs');
const ADMIN = { email: 'admin@dist.test', password: 'dist-admin-password' };

/** One compiled component as its own process; resolves when a line of its stdout matches `ready`. */
async function component(args: string[], env: Record<string, string>, ready: RegExp) {
  const child = spawn(process.execPath, ['--import', GUARD, MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PILOTHUB_LOG_LEVEL: 'warn', ...env } });
  stopAtEnd(child, 'SIGKILL');
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => { if (ready.test(l)) resolve(l); });
    child.once('exit', (code) => reject(new Error(`pilothub ${args[0]} exited (${code}) before it was ready: ${stderr}`)));
  });
  const stop = async () => {
    child.kill('SIGTERM');
    return new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
  };
  return { child, line, stop };
}

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

  it('runs a split deployment: broker, ingest, API and gateway each as its own command, with their accounts', { timeout: 120_000 }, async () => {
    const influx = await influxd();
    await influx.client.ensureDatabase();
    const dataDir = tempDir('pilothub-split-');
    const users = new UserStore(usersFile(dataDir));
    const accounts = { ingest: 'ingest-secret-1', api: 'api-secret-12', 'gw-split': 'gateway-secret' };
    await users.set({ username: 'ingest', role: 'ingest' }, accounts.ingest);
    await users.set({ username: 'api', role: 'api' }, accounts.api);
    await users.set({ username: 'gw-split', role: 'gateway', site: 'hall-s', gateway: 'gw-split', equipment: ['dryer-1'] }, accounts['gw-split']);
    users.close();
    const [mqttPort, apiPort, ingestPort] = [await freePort(), await freePort(), await freePort()];
    const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
    const shared = { PILOTHUB_DATA_DIR: dataDir, PILOTHUB_MQTT_URL: mqttUrl, PILOTHUB_INFLUX_URL: influx.url };
    const broker = await component(['broker'], { ...shared, PILOTHUB_MQTT_PORT: String(mqttPort), PILOTHUB_BROKER_METRICS_PORT: '0' }, /broker ready/);
    const ingest = await component(['ingest'], {
      ...shared, PILOTHUB_MQTT_USERNAME: 'ingest', PILOTHUB_MQTT_PASSWORD: accounts.ingest, PILOTHUB_INGEST_METRICS_PORT: String(ingestPort),
      PILOTHUB_INGEST_ACCOUNTS: usersFile(dataDir), PILOTHUB_LOG_LEVEL: 'info',
    }, /ingest ready/);
    const api = await component(['api'], {
      ...shared, PILOTHUB_MQTT_USERNAME: 'api', PILOTHUB_MQTT_PASSWORD: accounts.api, PILOTHUB_API_PORT: String(apiPort),
      PILOTHUB_INGEST_HEALTH_URL: `http://127.0.0.1:${ingestPort}/health`, PILOTHUB_ADMIN_EMAIL: ADMIN.email, PILOTHUB_ADMIN_PASSWORD: ADMIN.password,
    }, /api ready/);
    const dryer = await sprayDryer();
    const config = join(dataDir, 'gateway.yaml');
    writeFileSync(config, dryerGatewayYaml({ gateway: 'gw-split', site: 'hall-s', device: 'dryer-1', mqttUrl, dryerPort: dryer.port, parameters: ['{ id: inlet_temp, name: Inlet temperature, unit: °C, table: input, address: 0, type: float32 }'] })
      .replace(`mqtt: { url: "${mqttUrl}" }`, `mqtt: { url: "${mqttUrl}", username: gw-split, password: "\${GW_PASSWORD}" }`));
    const gateway = await component(['gateway', config], { ...shared, GW_PASSWORD: accounts['gw-split'], PILOTHUB_GATEWAY_METRICS_PORT: '0' }, /gateway metrics on/);

    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const token = ((await (await fetch(`${apiUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })).json()) as { token: string }).token;
    await eventually('readings through the split deployment', async () => {
      const h = await (await fetch(`${apiUrl}/api/v1/equipment/dryer-1/history?parameter=inlet_temp`, { headers: { authorization: `Bearer ${token}` } })).json() as { points?: unknown[] };
      return (h.points?.length ?? 0) >= 3 ? true : undefined;
    }, 60_000);
    // ok once ingest reports up and the API knows the equipment states (degraded for 2 s after each subscription).
    let last: unknown;
    const health = await eventually('API health ok with ingest up', async () => {
      const h = await (await fetch(`${apiUrl}/health`)).json() as { status: string; dependencies: { ingest?: { status: string } } };
      last = h;
      return h.dependencies.ingest?.status === 'up' && h.status === 'ok' ? h : undefined;
    }, 20_000).catch((err: Error) => { throw new Error(`${err.message}; last answer ${JSON.stringify(last)}`); });
    expect(health.status).toBe('ok');
    expect((await fetch(`http://127.0.0.1:${ingestPort}/metrics`)).status).toBe(200);
    const brokerMetrics = Number(/metrics on port (\d+)/.exec(broker.line)?.[1]);
    expect(await (await fetch(`http://127.0.0.1:${brokerMetrics}/metrics`)).text()).toContain('pilothub_broker_session_queue_messages');
    for (const c of [gateway, api, ingest, broker]) expect(await c.stop()).toBe(0);
  });
});
