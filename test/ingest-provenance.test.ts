import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Account } from '../broker/accounts.js';
import { topics } from '../common/contracts/index.js';
import { DeadLetterStore } from '../ingest/dead-letters.js';
import { batch, client, expectNoClientBack, metric, PASSWORD, reconnectWithRights, relayedBroker, stored, userStore, withoutReadRights } from './helpers/edges.js';
import { ingestProcess } from './helpers/ingest-process.js';
import { broker, eventually, influxd, ingest, tempDir } from './helpers/pipeline.js';

const GW_A: Account = { username: 'gw-a', role: 'gateway', site: 'hall-a', gateway: 'gw-a', equipment: ['dryer-1'] };
const GW_B: Account = { username: 'gw-b', role: 'gateway', site: 'hall-b', gateway: 'gw-b', equipment: ['oven-1'] };
const INGEST: Account = { username: 'ingest', role: 'ingest' };

describe('provenance: the stored gateway is the account bound to the equipment (issue #12)', () => {
  it('dead-letters a batch naming another gateway as forged and stores the genuine ones under the bound gateway', async () => {
    const influx = await influxd();
    const users = await userStore([GW_A, GW_B, INGEST]);
    const mqttBroker = await broker({ users });
    const deadLetterFile = join(tempDir(), 'dead-letters.sqlite');
    const running = await ingest({ mqttUrl: mqttBroker.url, influxUrl: influx.url, username: 'ingest', password: PASSWORD, clientId: 'ingest-provenance', equipmentOwners: users, deadLetterFile });
    const gwA = await client(mqttBroker.url, 'gw-a');
    const t = Date.now();
    // gw-a may publish on its own topic, but the payload says gw-b: the ACL cannot see that, ingest must.
    await gwA.publishAsync(topics.data('hall-a', 'dryer-1'), batch('gw-b', 1, [{ p: 'temp', v: 66.6, t }]), { qos: 1 });
    await gwA.publishAsync(topics.data('hall-a', 'dryer-1'), batch('gw-a', 2, [{ p: 'temp', v: 70, t: t + 1 }]), { qos: 1 });

    const points = await eventually('the genuine batch', async () => {
      const p = await stored(influx.client, 'dryer-1');
      return p.length ? p : undefined;
    });
    expect(points).toEqual([{ t: t + 1, value: 70, gateway: 'gw-a', parameter: 'temp' }]);
    expect(running.metrics.rejected.forged).toBe(1);
    const letters = new DeadLetterStore(deadLetterFile);
    expect(letters.list({ reason: 'forged' })).toMatchObject([{ topic: topics.data('hall-a', 'dryer-1'), detail: expect.stringContaining('payload names gateway "gw-b"') }]);
    letters.close();
  });

  it('fails its start naming the refused filter when its account may not read the data, and leaves no client reconnecting', async () => {
    const influx = await influxd();
    const users = await userStore([GW_A, INGEST]);
    const mqttBroker = await broker({ users });
    // A gateway's account in ingest's configuration: the broker grants it no subscription to every site's data.
    await expect(ingest({ mqttUrl: mqttBroker.url, influxUrl: influx.url, username: 'gw-a', password: PASSWORD, clientId: 'ingest-wrong-account' }))
      .rejects.toThrow(/broker refused the subscription to pilothub\/v1\/\+\/\+\/data: check the ingest account's rights/);
    await expectNoClientBack(mqttBroker);
  });

  it('says degraded naming the refusal when the broker refuses its subscription on a reconnect, and writes again once granted', async () => {
    const influx = await influxd();
    const users = await userStore([GW_A, INGEST]);
    const mqttBroker = await broker({ users });
    const relay = await relayedBroker(mqttBroker.url);
    const running = await ingest({ mqttUrl: relay.url, influxUrl: influx.url, username: 'ingest', password: PASSWORD, clientId: 'ingest-refused-later', equipmentOwners: users });
    expect(running.health().status).toBe('ok');
    await reconnectWithRights(users, relay, withoutReadRights('ingest'));
    const refused = await eventually('health degraded by the refusal', () => (running.health().detail?.includes('broker refused') ? running.health() : undefined));
    expect(refused).toMatchObject({ status: 'degraded', detail: "broker refused the subscription to pilothub/v1/+/+/data: check the ingest account's rights" });
    await reconnectWithRights(users, relay, INGEST);
    await eventually('health ok again', () => (running.health().status === 'ok' ? true : undefined));
    const gwA = await client(mqttBroker.url, 'gw-a');
    const t = Date.now();
    await gwA.publishAsync(topics.data('hall-a', 'dryer-1'), batch('gw-a', 1, [{ p: 'temp', v: 71.5, t }]), { qos: 1 });
    await eventually('the reading written', async () => ((await stored(influx.client, 'dryer-1')).length ? true : undefined));
  });

  it('dead-letters data for equipment bound to another site when the broker enforces no ACL (the last line of defence)', async () => {
    const influx = await influxd();
    const users = await userStore([GW_A, GW_B]);
    const open = await broker();
    const running = await ingest({ mqttUrl: open.url, influxUrl: influx.url, clientId: 'ingest-provenance-open', equipmentOwners: users });
    const anyone = await client(open.url, undefined);
    const t = Date.now();
    await anyone.publishAsync(topics.data('hall-b', 'dryer-1'), batch('gw-a', 1, [{ p: 'temp', v: 1, t }]), { qos: 1 });
    await anyone.publishAsync(topics.data('hall-a', 'mixer-9'), batch('gw-a', 2, [{ p: 'temp', v: 2, t }]), { qos: 1 });
    await anyone.publishAsync(topics.data('hall-a', 'dryer-1'), batch('gw-a', 3, [{ p: 'temp', v: 3, t }]), { qos: 1 });
    await eventually('the genuine batch', async () => ((await stored(influx.client, 'dryer-1')).length ? true : undefined));
    expect((await stored(influx.client, 'dryer-1')).map((p) => [p.value, p.gateway])).toEqual([[3, 'gw-a']]);
    expect(await stored(influx.client, 'mixer-9')).toEqual([]);
    expect(running.metrics.rejected).toMatchObject({ forged: 1, unbound: 1 });
  });

  it('ingest run alone reads the bindings from the broker\'s user store file (PILOTHUB_INGEST_ACCOUNTS)', async () => {
    const influx = await influxd();
    const users = await userStore([GW_A, GW_B, INGEST]);
    const mqttBroker = await broker({ users });
    const alone = await ingestProcess({
      PILOTHUB_MQTT_URL: mqttBroker.url, PILOTHUB_INFLUX_URL: influx.url, PILOTHUB_MQTT_USERNAME: 'ingest', PILOTHUB_MQTT_PASSWORD: PASSWORD,
      PILOTHUB_INGEST_CLIENT_ID: 'ingest-provenance-alone', PILOTHUB_INGEST_ACCOUNTS: users.file,
    });
    const metricsUrl = `${alone.url}/metrics`;
    const gwB = await client(mqttBroker.url, 'gw-b');
    const t = Date.now();
    await gwB.publishAsync(topics.data('hall-b', 'oven-1'), batch('gw-a', 1, [{ p: 'temp', v: 1, t }]), { qos: 1 });
    await gwB.publishAsync(topics.data('hall-b', 'oven-1'), batch('gw-b', 2, [{ p: 'temp', v: 2, t: t + 1 }]), { qos: 1 });
    await eventually('the genuine batch', async () => ((await stored(influx.client, 'oven-1')).length ? true : undefined));
    expect((await stored(influx.client, 'oven-1')).map((p) => [p.value, p.gateway])).toEqual([[2, 'gw-b']]);
    expect(await metric(metricsUrl, 'pilothub_ingest_rejected_total', 'reason="forged"')).toBe(1);
  });
});
