import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { startHubProcess } from './helpers/hub-process.js';
import { eventually, tempDir } from './helpers/servers.js';

const PREVIOUS = fileURLToPath(new URL('./fixtures/data-release-0.1/', import.meta.url));

/** Issue 13 "Upgrades": the current release starts on a data dir the previous release wrote, and brings it up to date. */
describe('upgrade from the previous release', () => {
  it('starts on release 0.1\'s data dir: migrations applied, the old admin signs in, accounts still work, data flows', { timeout: 120_000 }, async () => {
    const dataDir = tempDir('pilothub-upgrade-');
    cpSync(PREVIOUS, dataDir, { recursive: true });
    // No admin variables: the admin is the one release 0.1 created.
    const hub = await startHubProcess({ PILOTHUB_DATA_DIR: dataDir, PILOTHUB_ADMIN_EMAIL: '', PILOTHUB_ADMIN_PASSWORD: '' });
    const apiUrl = hub.apiUrl;
    const login = await fetch(`${apiUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@previous.test', password: 'previous-release-admin' }) });
    expect(login.status).toBe(200);
    const { token } = await login.json() as { token: string };
    const get = async <T>(path: string) => (await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<T>;
    // The gateway signs in with the account and password release 0.1 stored; its readings reach the history again.
    await eventually('dryer-1 online on the upgraded hub', async () => ((await get<{ items: { id: string; online: boolean }[] }>('/api/v1/equipment')).items.find((e) => e.id === 'dryer-1')?.online ? true : undefined), 60_000);
    await eventually('new readings stored', async () => ((await get<{ points: unknown[] }>('/api/v1/equipment/dryer-1/history?parameter=inlet_temp')).points.length >= 2 ? true : undefined), 30_000);
    expect(await hub.stop()).toBe(0);

    const api = new Database(join(dataDir, 'api', 'pilothub.db'), { readonly: true });
    const versions = api.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all() as number[];
    api.close();
    expect(versions).toEqual(expect.arrayContaining([1, 2, 3, 50, 51, 52, 53, 60]));
    const users = new Database(join(dataDir, 'broker', 'users.sqlite'), { readonly: true });
    expect(users.prepare('SELECT username FROM equipment_bindings WHERE equipment = ?').pluck().get('dryer-1')).toBe('gw-hall-a');
    users.close();
  });
});
