import { describe, expect, it } from 'vitest';
import type { Account } from '../broker/accounts.js';
import { startApi } from '../api/server.js';
import { freePort } from '../common/runtime/ports.js';
import { expectNoClientBack, PASSWORD, reconnectWithRights, relayedBroker, userStore, withoutReadRights } from './helpers/edges.js';
import { broker, eventually, influxd } from './helpers/pipeline.js';
import { teardown } from './helpers/teardown.js';

const GW_A: Account = { username: 'gw-a', role: 'gateway', site: 'hall-a', gateway: 'gw-a', equipment: ['dryer-1'] };
const API: Account = { username: 'api', role: 'api' };

describe('the API\'s broker account', () => {
  it('stops the start naming the refused filters when the account may not read what the API shows, and leaves no client behind', async () => {
    const influx = await influxd();
    const users = await userStore([GW_A]);
    const mqttBroker = await broker({ users });
    // A gateway's account in the API's configuration: an API that started would show every gateway "not connected".
    await expect(startApi({ port: await freePort(), mqttUrl: mqttBroker.url, influxUrl: influx.url, mqttUsername: 'gw-a', mqttPassword: PASSWORD }))
      .rejects.toThrow(/broker refused the subscription to pilothub\/v1\/\+\/\+\/birth.*: check the API account's rights/);
    await expectNoClientBack(mqttBroker);
  });

  it('names the refusal on /health when the broker refuses the subscription on a reconnect, not "still arriving"', async () => {
    const influx = await influxd();
    const users = await userStore([GW_A, API]);
    const mqttBroker = await broker({ users });
    const relay = await relayedBroker(mqttBroker.url);
    const api = await startApi({ port: await freePort(), mqttUrl: relay.url, influxUrl: influx.url, mqttUsername: 'api', mqttPassword: PASSWORD, retainedSettleMs: 0 });
    teardown(() => api.stop());
    const equipmentHealth = async () => ((await (await fetch(`${api.url}/health`)).json()) as { dependencies: { equipment: { status: string; detail?: string } } }).dependencies.equipment;
    expect(await equipmentHealth()).toEqual({ status: 'up' });
    await reconnectWithRights(users, relay, withoutReadRights('api'));
    const refused = await eventually('health naming the refusal', async () => { const e = await equipmentHealth(); return e.detail?.includes('broker refused') ? e : undefined; });
    expect(refused).toEqual({ status: 'degraded', detail: expect.stringMatching(/^equipment states not known: broker refused the subscription to .*: check the API account's rights$/) });
    await reconnectWithRights(users, relay, API);
    await eventually('health up again', async () => ((await equipmentHealth()).status === 'up' ? true : undefined));
  });
});
