import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics, type Birth } from '../common/contracts/index.js';
import { apiProcess as startApiProcess, stopApiProcesses } from './helpers/api-processes.js';
import * as start from './helpers/servers.js';

const apiProcess = async (dataDir: string, mqttUrl: string, influxUrl: string) => (await startApiProcess(dataDir, mqttUrl, influxUrl)).url;

describe('bookings stay conflict-free across several API processes sharing one SQLite file', () => {
  const urls: string[] = [];
  let token = '';
  afterAll(stopApiProcesses);

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

  it('holds the login limits across the processes: attempts on one account, then failures from one address (issue #18)', async () => {
    const attempt = (i: number, email: string) => fetch(`${urls[i % 3]}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'wrong-password-1' }),
    });
    // 10 attempts a minute per address and account (LOGIN_ATTEMPTS_PER_MINUTE): counted per process, 30 would pass.
    const onOneAccount: number[] = [];
    for (let i = 0; i < 11; i++) onOneAccount.push((await attempt(i, 'nobody@pilothub.test')).status);
    expect(onOneAccount).toEqual([...Array<number>(10).fill(401), 429]);
    // 30 failures per address in 15 minutes (LOGIN_FAILURES_PER_ADDRESS), over any accounts: 10 above, 20 more here.
    const spray: number[] = [];
    for (let i = 0; i < 21; i++) spray.push((await attempt(i, `user${i}@pilothub.test`)).status);
    expect(spray).toEqual([...Array<number>(20).fill(401), 429]);
    const blocked = await attempt(2, start.TEST_ADMIN.email);
    expect([blocked.status, ((await blocked.json()) as { code: string }).code]).toEqual([429, 'login_blocked']);
  });
});
