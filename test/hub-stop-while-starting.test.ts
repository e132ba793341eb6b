import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { freePort } from '../common/runtime/ports.js';
import { eventually, tempDir } from './helpers/servers.js';
import { CLI } from './helpers/hub-process.js';
import { stopAtEnd } from './helpers/teardown.js';

/** Processes whose command line mentions `text` (this test's private data dir). */
function processesMentioning(text: string): string[] {
  return readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text); } catch { return false; }
  });
}

/** A stop asked for while the hub is still starting (Ctrl-C, systemd) stops what has started, and shows the admin's password first. */
describe('pilothub start stopped before it is ready', () => {
  it('has printed the new admin\'s password, stops influxd and exits 0 on SIGTERM mid-start', { timeout: 120_000 }, async () => {
    const dataDir = tempDir('pilothub-early-stop-');
    const hub = spawn(process.execPath, ['--import', 'tsx', CLI, 'start'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, PILOTHUB_DATA_DIR: dataDir, PILOTHUB_API_PORT: String(await freePort()), PILOTHUB_MQTT_PORT: String(await freePort()), PILOTHUB_DEMO: 'true' },
    });
    stopAtEnd(hub, 'SIGKILL');
    const lines: string[] = [];
    const exited = once(hub, 'exit') as Promise<[number | null]>;
    // The password appears as soon as the API made the admin, before the simulators, the gateway and the demo setup.
    await new Promise<void>((resolve) => createInterface({ input: hub.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line.startsWith('pilothub created the first admin')) resolve();
    }));
    expect(lines.join('\n')).toMatch(/first admin: admin@localhost with password \S+/);
    expect(processesMentioning(dataDir).length).toBeGreaterThan(0);
    hub.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(lines.some((l) => l.startsWith('pilothub ready'))).toBe(false);
    await eventually('no process of this hub left (influxd included)', () => (processesMentioning(dataDir).length === 0 ? true : undefined), 20_000);
  });
});
