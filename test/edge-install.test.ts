import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { freePort } from '../common/runtime/ports.js';
import { broker, eventually, tempDir } from './helpers/servers.js';
import { stopAtEnd, teardown } from './helpers/teardown.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Issue 13 "Edge gateway package": a packed release installed on an edge box without development dependencies runs
 * the gateway. Slow (packs, installs and builds the native addons), from the npm cache this machine already holds.
 */
describe('installing only the gateway on an edge box', () => {
  it('packs a release, installs it with --omit=dev, and runs pilothub gateway from it against a real broker', { timeout: 600_000 }, async () => {
    const dir = tempDir('pilothub-edge-box-');
    const { stdout: packed } = await run('npm', ['pack', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const tarball = join(dir, packed.trim().split('\n').at(-1)!);
    const box = join(dir, 'box');
    mkdirSync(box);
    // npm 11 runs a dependency's install script only when the installing project allows it (README "Deployment").
    writeFileSync(join(box, 'package.json'), JSON.stringify({ name: 'edge-box', private: true, allowScripts: { pilothub: true, 'better-sqlite3': true, '@serialport/bindings-cpp': true } }));
    await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: box, maxBuffer: 16 * 1024 * 1024 });
    const modules = readdirSync(join(box, 'node_modules'));
    for (const dev of ['typescript', 'tsx', 'esbuild', 'playwright-core', 'vitest']) expect(modules, dev).not.toContain(dev);
    const bin = join(box, 'node_modules', 'pilothub', 'bin', 'pilothub.js');
    expect(existsSync(join(box, 'node_modules', 'pilothub', 'dist', 'cli', 'main.js'))).toBe(true);
    // pilothub's postinstall patched the aedes that npm hoisted beside it (the broker refuses an unpatched one).
    expect(readFileSync(join(box, 'node_modules', 'aedes', 'lib', 'handlers', 'publish.js'), 'utf8')).toContain('pilothub patch');

    const mqttBroker = await broker();
    const watcher = await mqtt.connectAsync(mqttBroker.url, { protocolVersion: 4 });
    teardown(() => watcher.endAsync());
    const statuses: string[] = [];
    watcher.on('message', (_topic, payload) => statuses.push(payload.toString()));
    await watcher.subscribeAsync('pilothub/v1/+/gateway/+/status', { qos: 1 });
    const gateway = spawn(process.execPath, [bin, 'gateway', join(box, 'node_modules', 'pilothub', 'config', 'gateway.example.yaml')], {
      cwd: box, stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, PILOTHUB_DATA_DIR: join(dir, 'data'), PILOTHUB_MQTT_URL: mqttBroker.url, PILOTHUB_GATEWAY_METRICS_PORT: String(await freePort()), PILOTHUB_LOG_LEVEL: 'error' },
    });
    stopAtEnd(gateway, 'SIGKILL');
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: gateway.stdout! }).on('line', (line) => { if (line.includes('gateway metrics on')) resolve(); });
      gateway.once('exit', (code) => reject(new Error(`the installed gateway exited (${code})`)));
    });
    await eventually('the installed gateway online at the broker', () => (statuses.some((s) => s.includes('"online"')) ? true : undefined), 20_000);
    gateway.kill('SIGTERM');
    expect(await new Promise((resolve) => gateway.once('exit', resolve))).toBe(0);
  });
});
