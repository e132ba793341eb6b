import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Account } from '../broker/accounts.js';
import { mosquittoAcl } from '../broker/mosquitto-config.js';
import { EquipmentTakenError, UserStore, usersFile } from '../broker/user-store.js';
import { topics } from '../common/contracts/index.js';
import { client, PASSWORD } from './helpers/edges.js';
import { broker, eventually, tempDir } from './helpers/pipeline.js';
import { teardown } from './helpers/teardown.js';

const GW_A: Account = { username: 'gw-a', role: 'gateway', site: 'hall-a', gateway: 'gw-a', equipment: ['dryer-1', 'mixer-1'] };
const GW_B: Account = { username: 'gw-b', role: 'gateway', site: 'hall-b', gateway: 'gw-b', equipment: ['dryer-1', 'oven-1'] };

describe('equipment ids are unique on the platform (issue #12)', () => {
  it('the user store refuses a second binding of an equipment id, on another site or the same, naming the holder', async () => {
    const users = new UserStore(join(tempDir(), 'users.sqlite'));
    teardown(() => users.close());
    await users.set(GW_A, PASSWORD);
    await expect(users.set(GW_B, PASSWORD)).rejects.toThrow(EquipmentTakenError);
    await expect(users.set({ ...GW_B, site: 'hall-a' }, PASSWORD)).rejects.toThrow('equipment "dryer-1" is already bound to account "gw-a" (site "hall-a", gateway "gw-a")');
    expect(users.get('gw-b')).toBeUndefined();
    // Rebinding one's own equipment is fine; freeing it lets another account take it.
    await users.set({ ...GW_A, equipment: ['mixer-1'] }, PASSWORD);
    await users.set(GW_B, PASSWORD);
    expect(users.ownerOf('dryer-1')).toEqual({ username: 'gw-b', site: 'hall-b', gateway: 'gw-b' });
    users.remove('gw-b');
    expect(users.ownerOf('dryer-1')).toBeUndefined();
  });

  it('pilothub user add refuses the second binding and names the holder', () => {
    const dataDir = tempDir();
    const add = (name: string, site: string, equipment: string) => spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'user', 'add', name, '--role', 'gateway',
      '--site', site, '--equipment', equipment, '--password-stdin', '--data-dir', dataDir], { encoding: 'utf8', input: `${PASSWORD}\n`, timeout: 60_000 });
    expect(add('gw-a', 'hall-a', 'dryer-1').status).toBe(0);
    const second = add('gw-b', 'hall-b', 'oven-1,dryer-1');
    expect(second.status).toBe(1);
    expect(second.stderr).toContain('equipment "dryer-1" is already bound to account "gw-a" (site "hall-a", gateway "gw-a")');
    const users = new UserStore(usersFile(dataDir));
    expect(users.get('gw-b')).toBeUndefined();
    users.close();
  });

  it('in a store written before the rule, the first account keeps the equipment: the other\'s births and data are refused', async () => {
    // Two stores, each valid on its own, merged row for row: what a store from before the rule may hold.
    const dir = tempDir();
    const file = join(dir, 'users.sqlite');
    for (const [path, account] of [[file, GW_A], [join(dir, 'other.sqlite'), GW_B]] as const) {
      const store = new UserStore(path);
      await store.set(account, PASSWORD);
      store.close();
    }
    const db = new Database(file);
    db.exec(`ATTACH '${join(dir, 'other.sqlite')}' AS other; INSERT INTO users SELECT * FROM other.users; DETACH other`);
    db.close();
    const users = new UserStore(file);
    teardown(() => users.close());
    expect(users.conflicts).toEqual([{ equipment: 'dryer-1', holder: { username: 'gw-a', site: 'hall-a', gateway: 'gw-a' }, refused: 'gw-b' }]);
    expect(mosquittoAcl(users.list('rowid'))).not.toContain('hall-b/dryer-1');

    const mqttBroker = await broker({ users });
    const received: string[] = [];
    await users.set({ username: 'watcher', role: 'api' }, PASSWORD);
    const watcher = await client(mqttBroker.url, 'watcher');
    watcher.on('message', (topic) => received.push(topic));
    await watcher.subscribeAsync('pilothub/v1/#', { qos: 1 });

    const gwB = await client(mqttBroker.url, 'gw-b');
    await gwB.publishAsync(topics.birth('hall-b', 'oven-1'), '{}', { qos: 1, retain: true });
    for (const topic of [topics.birth('hall-b', 'dryer-1'), topics.state('hall-b', 'dryer-1'), topics.data('hall-b', 'dryer-1')]) {
      const again = await client(mqttBroker.url, 'gw-b');
      const closed = new Promise<void>((resolve) => again.once('close', () => resolve()));
      again.publish(topic, '{}', { qos: 1, retain: !topic.endsWith('/data') });
      await closed;
    }
    const gwA = await client(mqttBroker.url, 'gw-a');
    await gwA.publishAsync(topics.birth('hall-a', 'dryer-1'), '{}', { qos: 1, retain: true });
    await eventually('the allowed births', () => (received.length >= 2 ? true : undefined));
    expect(received).toEqual([topics.birth('hall-b', 'oven-1'), topics.birth('hall-a', 'dryer-1')]);
  });
});
