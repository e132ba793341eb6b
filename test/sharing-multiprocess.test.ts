import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics, type Birth } from '../common/contracts/index.js';
import * as start from './helpers/servers.js';

const WORKER = fileURLToPath(new URL('./sharing-api-process.ts', import.meta.url));

const children: ChildProcess[] = [];

/** Stops the API processes; registered statically, since a hook registered from inside beforeAll never ran here. */
async function stopChildren(): Promise<void> {
  await Promise.all(children.filter((c) => c.exitCode === null).map(async (child) => {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
  }));
}

/** Starts a real API in its own process on the shared data dir. */
async function apiProcess(dataDir: string, mqttUrl: string, influxUrl: string): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, dataDir, mqttUrl, influxUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  // Keep reading (and discarding its log lines) so the child never blocks on a full pipe.
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    lines.on('line', (line) => { if (line.startsWith('{"url"')) resolve((JSON.parse(line) as { url: string }).url); });
    child.on('exit', (code) => reject(new Error(`API process exited (${code}) before printing its URL`)));
  });
}

describe('bookings stay conflict-free across several API processes sharing one SQLite file', () => {
  const urls: string[] = [];
  let token = '';
  afterAll(stopChildren);

  beforeAll(async () => {
    const influx = await start.influxd();
    const broker = await start.broker();
    const dataDir = start.tempDir('pilothub-shared-');
    // Started together: both race to create the first admin; exactly one may.
    urls.push(...await Promise.all([apiProcess(dataDir, broker.url, influx.url), apiProcess(dataDir, broker.url, influx.url), apiProcess(dataDir, broker.url, influx.url)]));
    const login = await fetch(`${urls[0]}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(start.TEST_ADMIN) });
    token = ((await login.json()) as { token: string }).token;
    const birth: Birth = { gateway: 'gw-m', equipment: { id: 'reactor-9', name: 'Reactor 9', kind: 'reactor', protocol: 'opcua' }, parameters: [{ id: 'running', name: 'Running', unit: '', datatype: 'boolean' }], t: Date.now() };
    const client = await mqtt.connectAsync(broker.url);
    await client.publishAsync(topics.birth('hall-m', 'reactor-9'), JSON.stringify(birth), { qos: 1, retain: true });
    await client.endAsync();
    await start.eventually('reactor-9 registered', async () => ((await fetch(`${urls[1]}/api/v1/equipment/reactor-9`, { headers: { authorization: `Bearer ${token}` } })).status === 200 ? true : undefined));
    const patch = await fetch(`${urls[2]}/api/v1/equipment/reactor-9`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ bookable: true, autoApproveAll: true }) });
    expect(patch.status).toBe(200);
  });

  it('creates exactly one booking from 60 simultaneous requests spread over three processes', async () => {
    // 10:00-12:00 UTC two days ahead: inside one day whatever the time of the run (the equipment allows no multi-day bookings).
    const day = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 2 * 86_400_000;
    const startsAt = new Date(day + 10 * 3_600_000).toISOString();
    const endsAt = new Date(day + 12 * 3_600_000).toISOString();
    const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => fetch(`${urls[i % 3]}/api/v1/bookings`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ equipmentId: 'reactor-9', startsAt, endsAt }),
    })));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(59);
    const list = await (await fetch(`${urls[1]}/api/v1/bookings?equipment=reactor-9`, { headers: { authorization: `Bearer ${token}` } })).json() as { items: unknown[] };
    expect(list.items).toHaveLength(1);
    const admins = await (await fetch(`${urls[2]}/api/v1/users`, { headers: { authorization: `Bearer ${token}` } })).json() as { items: { role: string }[] };
    expect(admins.items.filter((u) => u.role === 'admin')).toHaveLength(1);
  });
});
