import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { FREE_SLOTS_MAX_DAYS } from '../api/routes/bounds.js';
import { freePort } from '../common/runtime/ports.js';
import { eventually, tempDir } from './helpers/servers.js';
import { EXAMPLE_GATEWAY_CONFIG } from './helpers/stack.js';
import { stopAtEnd } from './helpers/teardown.js';

const CLI = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const ADMIN = { email: 'admin@hub.test', password: 'hub-admin-password' };

interface Equipment { id: string; online: boolean; parameters: { id: string; unit: string }[] }

/** Processes whose command line mentions `text` (e.g. this test's private data dir). */
function processesMentioning(text: string): string[] {
  return readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text); } catch { return false; }
  });
}

describe('pilothub start: the whole hub as `npm start` runs it', () => {
  const dataDir = tempDir('pilothub-hub-');
  const configFile = join(dataDir, 'gateway.yaml');
  let hub: ChildProcess;
  let apiUrl = '';
  let token = '';
  const get = async <T>(path: string) => (await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<T>;

  beforeAll(async () => {
    copyFileSync(EXAMPLE_GATEWAY_CONFIG, configFile);
    hub = spawn(process.execPath, ['--import', 'tsx', CLI, 'start'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env, PILOTHUB_DATA_DIR: dataDir, PILOTHUB_API_PORT: String(await freePort()), PILOTHUB_MQTT_PORT: String(await freePort()),
        PILOTHUB_GATEWAY_CONFIG: configFile, PILOTHUB_DEMO: 'true', PILOTHUB_DEMO_HISTORY_HOURS: '0', PILOTHUB_ADMIN_EMAIL: ADMIN.email, PILOTHUB_ADMIN_PASSWORD: ADMIN.password, PILOTHUB_LOG_LEVEL: 'error',
      },
    });
    stopAtEnd(hub, 'SIGKILL');
    apiUrl = await new Promise<string>((resolve, reject) => {
      createInterface({ input: hub.stdout! }).on('line', (line) => {
        const ready = /pilothub ready: API (http\S+)/.exec(line);
        if (ready) resolve(ready[1]!);
      });
      hub.once('exit', (code) => reject(new Error(`pilothub start exited (${code}) before it was ready`)));
    });
    const login = await fetch(`${apiUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    token = ((await login.json()) as { token: string }).token;
  }, 120_000);

  it('serves the three simulated pieces of equipment with their units, and their history', async () => {
    const items = await eventually('three online pieces of equipment', async () => {
      const list = (await get<{ items: Equipment[] }>('/api/v1/equipment')).items;
      return list.filter((e) => e.online).length === 3 ? list : undefined;
    }, 40_000);
    expect(items.map((e) => e.id).sort()).toEqual(['dryer-1', 'extruder-1', 'reactor-1']);
    const dryer = items.find((e) => e.id === 'dryer-1')!;
    expect(dryer.parameters.length).toBeGreaterThanOrEqual(4);
    expect(dryer.parameters.find((p) => p.id === 'inlet_temp')?.unit).toBe('°C');
    await eventually('reactor history', async () => {
      const h = await get<{ points: unknown[] }>('/api/v1/equipment/reactor-1/history?parameter=reactor_temp');
      return h.points.length >= 3 ? true : undefined;
    }, 30_000);
  });

  it('follows a config reload that adds equipment, through the broker ACL to the history', async () => {
    appendFileSync(configFile, `
  - id: dryer-2
    name: Second dryer on the same controller
    kind: spray-dryer
    protocol: modbus
    connection: { transport: tcp, host: "\${PILOTHUB_SIM_DRYER_HOST:-127.0.0.1}", port: \${PILOTHUB_SIM_DRYER_PORT:-5020}, unitId: 1 }
    pollIntervalMs: 500
    parameters:
      - { id: outlet_temp, name: Outlet air temperature, unit: °C, table: input, address: 2, type: float32 }
`);
    await eventually('dryer-2 readings stored', async () => {
      const h = await get<{ points: unknown[] }>('/api/v1/equipment/dryer-2/history?parameter=outlet_temp');
      return h.points?.length >= 2 ? true : undefined;
    }, 40_000);
  });

  it('shows a configured device that nothing answers for as offline with a reason, and names it in /health', async () => {
    appendFileSync(configFile, `
  - id: mill-9
    name: Mill on a port where nothing listens
    protocol: modbus
    connection: { transport: tcp, host: 127.0.0.1, port: ${await freePort()} }
    parameters:
      - { id: speed, name: Speed, unit: rpm, table: input, address: 0 }
`);
    const mill = await eventually('mill-9 offline with a reason', async () => {
      const list = (await get<{ items: (Equipment & { status: string; offline: { reason: string } | null })[] }>('/api/v1/equipment')).items;
      const e = list.find((x) => x.id === 'mill-9');
      return e?.status === 'offline' && e.offline?.reason ? e : undefined;
    }, 30_000);
    expect(mill.online).toBe(false);
    // /health lists offline equipment once the retained states have had time to arrive (2 s after the API subscribes).
    const health = await eventually('mill-9 in /health', async () => {
      const h = await (await fetch(`${apiUrl}/health`)).json() as { status: string; offlineEquipment: { id: string; reason: string }[] };
      return h.offlineEquipment.length ? h : undefined;
    });
    expect(health.status).toBe('degraded');
    expect(health.offlineEquipment.map((e) => e.id)).toContain('mill-9');
  });

  it('keeps polling the equipment at its interval while the API is kept busy', async () => {
    await eventually('dryer-1 online', async () => ((await get<{ items: Equipment[] }>('/api/v1/equipment')).items.find((e) => e.id === 'dryer-1')?.online ? true : undefined), 40_000);
    const from = Date.now();
    const deadline = from + 8_000;
    // The most expensive free-slots request the API accepts, over and over: work on the API's thread alone.
    const ids = (await get<{ items: Equipment[] }>('/api/v1/equipment')).items.map((e) => e.id).join(',');
    const start = Date.now() + 3_600_000;
    const heavy = `/api/v1/free-slots?equipment=${ids}&minMinutes=1&from=${new Date(start).toISOString()}&to=${new Date(start + FREE_SLOTS_MAX_DAYS * 86_400_000).toISOString()}`;
    await fetch(`${apiUrl}/api/v1/equipment/dryer-1`, {
      method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ bookable: true, leadTimeMin: 0, minBookingMin: 1, multiDay: true, workingHours: { timeZone: 'Europe/Berlin', days: [0, 1, 2, 3, 4, 5, 6], from: '06:00', to: '22:00' } }),
    });
    let served = 0;
    await Promise.all([0, 1, 2, 3].map(async () => {
      while (Date.now() < deadline) {
        const res = await fetch(`${apiUrl}${heavy}`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
        served++;
      }
    }));
    expect(served).toBeGreaterThan(0);
    const to = Date.now();
    // Stored readings may trail on a loaded machine: wait until the window's last second is in.
    const history = await eventually('the busy window stored', async () => {
      const h = await get<{ points: { t: number }[] }>(`/api/v1/equipment/dryer-1/history?parameter=inlet_temp&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);
      return (h.points.at(-1)?.t ?? 0) >= to - 2000 ? h : undefined;
    }, 30_000);
    const times = history.points.map((p) => p.t);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // The example config polls the dryer every second: no reading may be missing while the API works.
    expect(times.length).toBeGreaterThanOrEqual(Math.floor((to - from) / 1000) - 1);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(2000);
  });

  it('stops everything on SIGTERM, influxd included', async () => {
    expect(processesMentioning(join(dataDir, 'influxdb'))).not.toEqual([]);
    hub.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => (hub.exitCode !== null ? resolve(hub.exitCode) : hub.once('exit', resolve)));
    expect(code).toBe(0);
    await eventually('influxd gone', () => (processesMentioning(join(dataDir, 'influxdb')).length === 0 ? true : undefined), 10_000);
  });
});
