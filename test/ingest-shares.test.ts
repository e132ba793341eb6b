import { describe, expect, it } from 'vitest';
import type { Account } from '../broker/accounts.js';
import { canPublish } from '../broker/acl.js';
import { topics } from '../common/contracts/index.js';
import { client, PASSWORD, userStore } from './helpers/edges.js';
import { killOwnerAndCheckTakeover } from './helpers/ingest-shares.js';
import { broker, eventually, influxd } from './helpers/pipeline.js';
import { teardown } from './helpers/teardown.js';
import { startIngestShares } from '../ingest/shares.js';
import { IngestEnv } from '../ingest/run.js';

const GW_A: Account = { username: 'gw-a', role: 'gateway', site: 'hall-a', gateway: 'gw-a', equipment: ['line-a'] };
const GW_B: Account = { username: 'gw-b', role: 'gateway', site: 'hall-b', gateway: 'gw-b', equipment: ['line-b'] };
const INGEST: Account = { username: 'ingest', role: 'ingest' };

describe('ingest shares: several processes share the sites, and a dead one\'s share is taken over (issue #18)', () => {
  it('ingest may publish only share ownership records; gateways and the API may not', () => {
    expect(canPublish(INGEST, topics.ingestOwner('hall-a'), { retain: true })).toEqual({ ok: true });
    expect(canPublish(INGEST, topics.data('hall-a', 'line-a'))).toMatchObject({ ok: false });
    expect(canPublish(INGEST, 'pilothub/v1/_ingest/hall-a/other')).toMatchObject({ ok: false });
    expect(canPublish(GW_A, topics.ingestOwner('hall-a'), { retain: true })).toMatchObject({ ok: false });
    expect(canPublish({ username: 'api', role: 'api' }, topics.ingestOwner('hall-a'))).toMatchObject({ ok: false });
  });

  it('names the setting that is wrong: shares with a client id or filters, a preferred share not listed, a bad site id', () => {
    const base = { PILOTHUB_INFLUX_URL: 'http://127.0.0.1:8086' };
    const issues = (env: Record<string, string>) => IngestEnv.safeParse({ ...base, ...env }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ PILOTHUB_INGEST_SHARES: 'hall-a', PILOTHUB_INGEST_CLIENT_ID: 'x', PILOTHUB_INGEST_FILTERS: 'pilothub/v1/+/+/data' })).toEqual([
      expect.stringMatching(/^PILOTHUB_INGEST_CLIENT_ID: not with PILOTHUB_INGEST_SHARES/), expect.stringMatching(/^PILOTHUB_INGEST_FILTERS: not with PILOTHUB_INGEST_SHARES/),
    ]);
    expect(issues({ PILOTHUB_INGEST_SHARES: 'hall-a,hall-b', PILOTHUB_INGEST_PREFERRED: 'hall-c' })).toEqual(['PILOTHUB_INGEST_PREFERRED: hall-c not in PILOTHUB_INGEST_SHARES']);
    expect(issues({ PILOTHUB_INGEST_PREFERRED: 'hall-a' })).toEqual(['PILOTHUB_INGEST_PREFERRED: needs PILOTHUB_INGEST_SHARES']);
    expect(issues({ PILOTHUB_INGEST_SHARES: 'hall-a,Hall B' })?.[0]).toMatch(/^PILOTHUB_INGEST_SHARES\.1: must be 1-64 characters/);
    expect(IngestEnv.parse({ ...base, PILOTHUB_INGEST_SHARES: ' hall-a , hall-b ', PILOTHUB_INGEST_PREFERRED: 'hall-b' })).toMatchObject({ PILOTHUB_INGEST_SHARES: ['hall-a', 'hall-b'], PILOTHUB_INGEST_PREFERRED: ['hall-b'] });
  });

  it('a SIGKILLed owner\'s share is taken over within seconds with nothing lost; restarted, it does not take it back (aedes with accounts)', { timeout: 180_000 }, async () => {
    const influx = await influxd();
    const users = await userStore([GW_A, GW_B, INGEST]);
    const mqtt = await broker({ users });
    const login = (username: string) => ({ username, password: PASSWORD });
    await killOwnerAndCheckTakeover({
      mqttUrls: [mqtt.url, mqtt.url], influx: influx.client, influxUrl: influx.url, ingest: login('ingest'),
      sites: [{ site: 'hall-a', equipment: 'line-a', gateway: login('gw-a') }, { site: 'hall-b', equipment: 'line-b', gateway: login('gw-b') }],
    });
  });

  it('leaves a share another instance announced alone, even when preferred, and takes it once an operator clears the record', { timeout: 60_000 }, async () => {
    const influx = await influxd();
    const users = await userStore([GW_A, INGEST]);
    const mqtt = await broker({ users });
    const operator = await client(mqtt.url, 'ingest');
    // The record of a process gone with no will left (a broker that lost it).
    await operator.publishAsync(topics.ingestOwner('hall-a'), JSON.stringify({ state: 'owned', instance: 'ghost', at: Date.now() }), { qos: 1, retain: true });
    const shares = await startIngestShares({ mqttUrl: mqtt.url, influxUrl: influx.url, username: 'ingest', password: PASSWORD, instance: 'ingest-x', shares: ['hall-a'], preferred: ['hall-a'] });
    teardown(() => shares.stop());
    await new Promise((r) => setTimeout(r, 2500));
    expect(shares.owned()).toEqual([]);
    await operator.publishAsync(topics.ingestOwner('hall-a'), '', { qos: 1, retain: true });
    await eventually('hall-a taken once its record is cleared', () => (shares.owned().includes('hall-a') ? true : undefined));
  });
});
