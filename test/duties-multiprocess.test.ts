import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiOptions } from '../api/server.js';
import { BACKGROUND_DUTIES, type LeaseStatus } from '../api/lease/lease.js';
import { readLease } from '../api/lease/store.js';
import { topics, type Birth } from '../common/contracts/index.js';
import { alarmStream } from './helpers/alarm-stream.js';
import { apiProcess, stopApiProcesses } from './helpers/api-processes.js';
import { httpReceiver } from './helpers/receivers.js';
import * as start from './helpers/servers.js';

const LEASE = { termMs: 4000, renewMs: 500 };
/** Room for a loaded machine beyond the term: a standby's next try, a /health poll, a busy event loop. */
const TAKEOVER_MARGIN_MS = 4000;
/** The receiver holds each answer this long, so a message is still being sent while a process restarts. */
const RECEIVER_HOLDS_MS = 12_000;
const EXTRA: Partial<ApiOptions> = {
  lease: LEASE,
  alarms: { tickMs: 100 },
  notifications: { groupMs: 0, pollMs: 50, retryBaseMs: 100, retryMaxMs: 300, requestTimeoutMs: RECEIVER_HOLDS_MS + 10_000 },
};
const SITE = 'hall-d';
const EQ = 'mixer-4';

describe('one API process at a time does the background duties (a lease in the database)', () => {
  const apis: { url: string; child: import('node:child_process').ChildProcess }[] = [];
  let dataDir = '';
  let broker = { url: '' };
  let influx = { url: '' };
  let token = '';
  let pub: MqttClient;
  let seq = 0;
  let receiver: Awaited<ReturnType<typeof httpReceiver>>;
  afterAll(async () => {
    await pub?.endAsync();
    await stopApiProcesses();
  });

  const duties = async (url: string) => ((await (await fetch(`${url}/health`)).json()) as { duties?: LeaseStatus }).duties;
  const call = async <T>(url: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return (await res.json()) as T;
  };
  const publishAlarm = (on: boolean) => pub.publishAsync(topics.data(SITE, EQ), JSON.stringify({ gateway: 'gw-d', seq: ++seq, readings: [{ p: 'alarm', v: on, t: Date.now() }] }), { qos: 1 });
  const notifications = (url: string) => call<{ items: { state: string; events: { transition: string }[] }[] }>(url, 'GET', '/api/v1/notifications');
  const leaseInDatabase = () => {
    const db = new Database(join(dataDir, 'pilothub.db'), { readonly: true });
    try { return readLease(db, BACKGROUND_DUTIES); } finally { db.close(); }
  };

  beforeAll(async () => {
    influx = await start.influxd();
    broker = await start.broker();
    receiver = await httpReceiver(undefined, RECEIVER_HOLDS_MS);
    dataDir = start.tempDir('pilothub-duties-');
    apis.push(...await Promise.all([apiProcess(dataDir, broker.url, influx.url, EXTRA), apiProcess(dataDir, broker.url, influx.url, EXTRA)]));
    const login = await fetch(`${apis[0]!.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(start.TEST_ADMIN) });
    token = ((await login.json()) as { token: string }).token;
    pub = await mqtt.connectAsync(broker.url);
    await pub.publishAsync(topics.status(SITE, 'gw-d'), JSON.stringify({ gateway: 'gw-d', state: 'online' }), { qos: 1, retain: true });
    const birth: Birth = { gateway: 'gw-d', equipment: { id: EQ, name: 'Mixer 4', kind: 'mixer', protocol: 'opcua' }, parameters: [{ id: 'alarm', name: 'Common alarm', unit: '', datatype: 'boolean' }], t: Date.now() };
    await pub.publishAsync(topics.birth(SITE, EQ), JSON.stringify(birth), { qos: 1, retain: true });
    await publishAlarm(false);
    await start.eventually(`${EQ} registered`, async () => ((await fetch(`${apis[1]!.url}/api/v1/equipment/${EQ}`, { headers: { authorization: `Bearer ${token}` } })).status === 200 ? true : undefined));
    await call(apis[1]!.url, 'POST', '/api/v1/notification-subscriptions', { equipmentId: EQ, target: { channel: 'webhook', url: `${receiver.url}/hook` } });
  });

  it('makes exactly one of two processes the holder, and both name it on /health', async () => {
    const seen = await Promise.all(apis.map((a) => duties(a.url)));
    expect(seen.filter((d) => d?.holding)).toHaveLength(1);
    const holder = seen.find((d) => d?.holding)!;
    expect(seen.map((d) => d?.holder)).toEqual([holder.instanceId, holder.instanceId]);
    expect(new Set(seen.map((d) => d?.instanceId)).size).toBe(2);
  });

  it('pushes the holder\'s alarm transition once on every process\'s status stream, and sends one message for it even when the standby restarts while the holder is sending it', async () => {
    const streams = await Promise.all(apis.map((a) => alarmStream(a.url, token)));
    const raisedOn = (stream: (typeof streams)[number]) => stream.events.filter((e) => e.transition === 'raised');
    await publishAlarm(true);
    // The standby writes nothing; it learns the transition from the database and pushes it on its own streams.
    await start.eventually('the "raised" alarm on both streams', () => (streams.every((s) => raisedOn(s).length > 0) ? true : undefined), 30_000);
    await start.eventually('the holder sending the "raised" message', () => (receiver.received.length > 0 ? true : undefined), 30_000);
    // The receiver has the message and holds its answer: the row is "sending". Restart the process that is not sending.
    const standby = (await Promise.all(apis.map(async (a) => (await duties(a.url))?.holding))).findIndex((holding) => holding !== true);
    const old = apis[standby]!;
    const exited = new Promise((resolve) => old.child.once('exit', resolve));
    old.child.kill('SIGTERM');
    await exited;
    apis[standby] = await apiProcess(dataDir, broker.url, influx.url, EXTRA);
    const sent = await start.eventually('the message sent', async () => (await notifications(apis[standby]!.url)).items.find((n) => n.state === 'sent'), 60_000);
    expect(sent.events.map((e) => e.transition)).toEqual(['raised']);
    // A few of the restarted process's polls later: still one message.
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.received.filter((r) => r.body.events?.[0]?.transition === 'raised')).toHaveLength(1);
    expect((await notifications(apis[0]!.url)).items).toHaveLength(1);
    // Pushed once per stream: the holder does not push its own transition again when it reads the stored ones.
    expect(streams.map((s) => raisedOn(s).length)).toEqual([1, 1]);
  });

  it('hands the duties to the standby at once when the holder is killed (its process gone, no waiting out the term), which then does them once', async () => {
    const seen = await Promise.all(apis.map((a) => duties(a.url)));
    const holderIndex = seen.findIndex((d) => d?.holding);
    const { expiresAt: lastSeenExpiry } = seen[holderIndex]!;
    const survivor = apis[1 - holderIndex]!;
    apis[holderIndex]!.child.kill('SIGKILL');
    const killedAt = Date.now();
    const taken = await start.eventually('the standby holding the lease', async () => ((await duties(survivor.url))?.holding ? Date.now() : undefined), 30_000);
    expect(taken - killedAt).toBeLessThanOrEqual(LEASE.termMs + TAKEOVER_MARGIN_MS);
    // Same host: the standby saw the holder's pid gone and took the lease before its term ran out.
    const lease = leaseInDatabase()!;
    expect(lease.holder).toBe((await duties(survivor.url))!.instanceId);
    expect(lease.acquiredAt).toBeLessThan(lastSeenExpiry!);
    // The new holder evaluates alarms and sends: the "cleared" message goes out once.
    await publishAlarm(false);
    await start.eventually('the "cleared" message', () => (receiver.received.some((r) => r.body.events?.[0]?.transition === 'cleared') ? true : undefined), 30_000);
    await start.eventually('the "cleared" message recorded as sent', async () => ((await notifications(survivor.url)).items.filter((n) => n.state === 'sent').length === 2 ? true : undefined), 30_000);
    expect(receiver.received.filter((r) => r.body.events?.[0]?.transition === 'cleared')).toHaveLength(1);
  });
});
