import { describe, expect, it } from 'vitest';
import { startCampaign } from '../simulators/campaign.js';
import { eventually, tempDir } from './helpers/servers.js';
import { startHubProcess } from './helpers/hub-process.js';

const ADMIN = { email: 'admin@demo.test', password: 'demo-admin-password' };

interface Run { id: string; equipmentId: string; openedBy: string; closedBy: string | null; endedAt: number | null; startedAt: number }
interface Equipment { id: string; status: string; bookable: boolean }

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
    const hub = await startHubProcess({ PILOTHUB_DATA_DIR: dataDir, PILOTHUB_DEMO: 'true', PILOTHUB_DEMO_SPEED: '20', PILOTHUB_ADMIN_EMAIL: ADMIN.email, PILOTHUB_ADMIN_PASSWORD: ADMIN.password });
    const banner = hub.output.join('\n');
    expect(banner).toContain(`Dashboard      ${hub.apiUrl}/`);
    const customerLine = /Demo customer\s+(\S+)\s+password (\S+)/.exec(banner);
    expect(customerLine, banner).not.toBeNull();

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
    await eventually('the dryer RUNNING', async () => {
      const list = (await get<{ items: Equipment[] }>(admin, '/api/v1/equipment')).items;
      return list.find((e) => e.id === 'dryer-1')?.status === 'running' ? true : undefined;
    }, 60_000);
    // The second one: the first may begin with the booking, part-way through an on-phase, and be short.
    const closed = await eventually('two runs the campaign opened and closed', async () => {
      const runs = (await get<{ items: Run[] }>(admin, '/api/v1/runs?equipment=dryer-1')).items
        .filter((r) => r.openedBy === 'auto' && r.closedBy === 'auto' && r.endedAt !== null).sort((a, b) => a.startedAt - b.startedAt);
      return runs[1];
    }, 120_000);
    expect(closed.endedAt! - closed.startedAt).toBeGreaterThan(5_000);
    expect(await hub.stop()).toBe(0);
  });
});
