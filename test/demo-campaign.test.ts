import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCampaign } from '../simulators/campaign.js';
import { eventually, tempDir } from './helpers/servers.js';
import { startHubProcess } from './helpers/hub-process.js';

const ADMIN = { email: 'admin@demo.test', password: 'demo-admin-password' };

interface Run { id: string; equipmentId: string; orgId: string | null; bookingId: string | null; openedBy: string; closedBy: string | null; endedAt: number | null; startedAt: number }
interface Equipment { id: string; status: string; bookable: boolean; keyParameters: string[] }

describe('the demo campaign', () => {
  it('plays each machine\'s steps in order and starts over', async () => {
    const seen: string[] = [];
    const campaign = startCampaign({ m: ['a', 'b', 'c'].map((name) => ({ name, minutes: 1, apply: () => seen.push(name) })) }, 6000);
    await eventually('two rounds', () => (seen.length >= 6 ? true : undefined), 5000);
    campaign.stop();
    expect(seen.slice(0, 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });
});

/** Issue 15: a first start in demo mode shows the whole story: running machines, a customer, runs that open and close. */
describe('pilothub start in demo mode, first start', () => {
  it('sets up a customer and bookable equipment, and the campaign opens and closes runs by itself', { timeout: 180_000 }, async () => {
    const dataDir = tempDir('pilothub-demo-');
    // 20x: the dryer runs 12 s and stops 6 s; runs close 1 s after their condition ends.
    const hub = await startHubProcess({ PILOTHUB_DATA_DIR: dataDir, PILOTHUB_LOG_LEVEL: 'info', PILOTHUB_DEMO: 'true', PILOTHUB_DEMO_SPEED: '20', PILOTHUB_ADMIN_EMAIL: ADMIN.email, PILOTHUB_ADMIN_PASSWORD: ADMIN.password });
    const banner = hub.output.join('\n');
    expect(banner).toContain(`Dashboard      ${hub.apiUrl}/`);
    const customerLine = /Demo customer\s+(\S+)\s+password (\S+)/.exec(banner);
    expect(customerLine, banner).not.toBeNull();
    expect(banner).toMatch(/Demo engineer\s+\S+\s+password \S+/);
    expect(banner).not.toContain('Demo problem');

    const login = async (body: object) => {
      const answer = await fetch(`${hub.apiUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(answer.status).toBe(200);
      return ((await answer.json()) as { token: string }).token;
    };
    const admin = await login(ADMIN);
    const customer = await login({ email: customerLine![1], password: customerLine![2] });
    const get = async <T>(token: string, path: string) => (await fetch(`${hub.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<T>;

    const equipment = (await get<{ items: Equipment[] }>(customer, '/api/v1/equipment')).items;
    expect(equipment.filter((e) => e.bookable).map((e) => e.id).sort()).toEqual(['dryer-1', 'extruder-1', 'reactor-1']);
    // The board shows what an extrusion operator watches, not the first five barrel zones.
    expect(equipment.find((e) => e.id === 'extruder-1')?.keyParameters.slice(0, 2)).toEqual(['melt_pressure', 'screw_speed']);
    await eventually('the dryer RUNNING', async () => {
      const list = (await get<{ items: Equipment[] }>(admin, '/api/v1/equipment')).items;
      return list.find((e) => e.id === 'dryer-1')?.status === 'running' ? true : undefined;
    }, 60_000);
    // The customer's own run: opened and closed by the campaign within the booking demo mode made for them.
    const closed = await eventually('a run the campaign opened and closed', async () => {
      const runs = (await get<{ items: Run[] }>(customer, '/api/v1/runs?equipment=dryer-1')).items;
      return runs.find((r) => r.openedBy === 'auto' && r.closedBy === 'auto' && r.endedAt !== null);
    }, 90_000);
    expect(closed).toMatchObject({ orgId: 'demo-materials', bookingId: expect.any(String) });
    expect(closed.endedAt!).toBeGreaterThan(closed.startedAt);
    const reactorRuns = (await get<{ items: Run[] }>(admin, '/api/v1/runs?equipment=reactor-1')).items;
    expect(reactorRuns.every((r) => r.orgId === 'operator')).toBe(true);
    expect(await hub.stop()).toBe(0);
    // The log lines are kept in the data dir (stdout is no terminal here: JSON there too).
    const logged = readFileSync(join(dataDir, 'logs', 'pilothub.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { component: string });
    expect(logged.some((l) => l.component === 'hub')).toBe(true);
  });
});
