import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../common/runtime/ports.js';
import { eventually, tempDir } from './helpers/servers.js';
import { EXAMPLE_GATEWAY_CONFIG } from './helpers/stack.js';
import { startHubProcess } from './helpers/hub-process.js';
const ADMIN = { email: 'admin@nodemo.test', password: 'no-demo-admin-password' };

/** Issue 13: simulators run only in demo mode; a hub with the operator's own gateway config talks to real devices only. */
describe('pilothub start with a gateway config of its own', () => {
  it('starts no simulator: the configured devices are offline because nothing answers at their addresses', { timeout: 90_000 }, async () => {
    const dataDir = tempDir('pilothub-nodemo-');
    const configFile = join(dataDir, 'plant.yaml');
    copyFileSync(EXAMPLE_GATEWAY_CONFIG, configFile);
    const dryerPort = await freePort();
    const hub = await startHubProcess({
      PILOTHUB_DATA_DIR: dataDir, PILOTHUB_GATEWAY_CONFIG: configFile, PILOTHUB_SIM_DRYER_PORT: String(dryerPort), PILOTHUB_DEMO: '',
      PILOTHUB_ADMIN_EMAIL: ADMIN.email, PILOTHUB_ADMIN_PASSWORD: ADMIN.password,
    });
    const apiUrl = hub.apiUrl;
    const { token } = await (await fetch(`${apiUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })).json() as { token: string };
    const dryer = await eventually('dryer-1 offline: no simulator at its address', async () => {
      const list = await (await fetch(`${apiUrl}/api/v1/equipment`, { headers: { authorization: `Bearer ${token}` } })).json() as { items: { id: string; status: string; offline: { reason: string } | null }[] };
      const e = list.items.find((x) => x.id === 'dryer-1');
      return e?.status === 'offline' && e.offline?.reason ? e : undefined;
    }, 30_000);
    expect(dryer.offline!.reason).toContain(String(dryerPort));
    // Nor any demo data: no demo customer, nothing made bookable, no banner line for it.
    const orgs = await (await fetch(`${apiUrl}/api/v1/orgs`, { headers: { authorization: `Bearer ${token}` } })).json() as { items: { id: string }[] };
    expect(orgs.items.map((o) => o.id)).toEqual(['operator']);
    expect(hub.output.join('\n')).not.toContain('Demo customer');
    expect(await hub.stop()).toBe(0);
  });
});
