import { describe, expect, it } from 'vitest';
import type { Account } from '../broker/accounts.js';
import { startApi } from '../api/server.js';
import { freePort } from '../common/runtime/ports.js';
import { PASSWORD, userStore } from './helpers/edges.js';
import { broker, influxd } from './helpers/pipeline.js';

const GW_A: Account = { username: 'gw-a', role: 'gateway', site: 'hall-a', gateway: 'gw-a', equipment: ['dryer-1'] };

describe('the API\'s broker account', () => {
  it('stops the start naming the refused filters when the account may not read what the API shows, and leaves no client behind', async () => {
    const influx = await influxd();
    const users = await userStore([GW_A]);
    const mqttBroker = await broker({ users });
    // A gateway's account in the API's configuration: an API that started would show every gateway "not connected".
    await expect(startApi({ port: await freePort(), mqttUrl: mqttBroker.url, influxUrl: influx.url, mqttUsername: 'gw-a', mqttPassword: PASSWORD }))
      .rejects.toThrow(/broker refused the subscription to pilothub\/v1\/\+\/\+\/birth.*: check the API account's rights/);
    // mqtt.js reconnects every second: a client left behind by the failed start would be back within that.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(mqttBroker.aedes.connectedClients).toBe(0);
  });
});
