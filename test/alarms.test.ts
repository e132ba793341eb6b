import { beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../common/contracts/index.js';
import * as start from './helpers/servers.js';
import { alarmStream } from './helpers/alarm-stream.js';
import { dingtalkAnswer, httpReceiver, wecomAnswer } from './helpers/receivers.js';
import { alarmStack } from './alarm-fixture.js';
import { HOUR, SITE } from './sharing-fixture.js';

type Stack = Awaited<ReturnType<typeof alarmStack>>;
interface Alarm { id: string; source: string; equipmentId: string; parameter: string | null; state: string; orgId: string | null; raisedAt: number; shelvedUntil: number | null }

const EQ = 'reactor-a';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Alarms from real readings: readings published on a real broker reach the API's live registry (the path dashboards
 * and runs use), the engine raises, clears and stores alarms in SQLite, and the notifier delivers them to real local
 * receivers (HTTP webhook, 企业微信 and 钉钉 robots checking payloads and signature, an SMTP server).
 */
describe('alarms with a lifecycle and their notifications', () => {
  let s: Stack;
  let erin = { token: '', id: '', email: '' };
  let alice = { token: '', id: '', email: '' };
  let bob = { token: '', id: '', email: '' };
  let webhook: Awaited<ReturnType<typeof httpReceiver>>;
  let aliceHook: Awaited<ReturnType<typeof httpReceiver>>;
  let bobHook: Awaited<ReturnType<typeof httpReceiver>>;
  let failing: Awaited<ReturnType<typeof httpReceiver>>;
  let wecom: Awaited<ReturnType<typeof httpReceiver>>;
  let dingtalk: Awaited<ReturnType<typeof httpReceiver>>;
  let stream: Awaited<ReturnType<typeof alarmStream>>;
  let specAlarm: Alarm;
  // The calendar clock runs in real time and can jump ahead (shelving expiry).
  let offset = 0;
  const clock = { now: () => Date.now() + offset, set: (v: number) => { offset = v - Date.now(); }, advance: (ms: number) => { offset += ms; } };

  const publish = (readings: { p: string; v: number | boolean }[]) => s.publish(readings);
  const alarms = (token: string, query = '') => s.ok<{ items: Alarm[]; total: number }>(token, 'GET', `/api/v1/alarms${query}`);
  const postsWith = (r: { received: { body: any }[] }, transition: string, source: string) =>
    r.received.filter((x) => x.body.events?.some((e: any) => e.transition === transition && e.alarm?.source === source));

  beforeAll(async () => {
    webhook = await httpReceiver();
    aliceHook = await httpReceiver();
    bobHook = await httpReceiver();
    failing = await httpReceiver(() => ({ status: 500, body: { error: 'receiver down' } }));
    wecom = await httpReceiver(wecomAnswer);
    dingtalk = await httpReceiver(dingtalkAnswer('SECtest-secret'));
    s = await alarmStack(EQ, [
      { id: 'temp', name: 'Temperature', unit: '°C', datatype: 'number' },
      { id: 'pressure', name: 'Pressure', unit: 'bar', datatype: 'number' },
      { id: 'alarm', name: 'Common alarm', unit: '', datatype: 'boolean' },
    ], {
      clock, timeZone: 'Asia/Shanghai',
      alarms: { specLimitDelayMs: 0, offlineDelayMs: 1500, tickMs: 100 },
      notifications: { groupMs: 300, pollMs: 50, retryBaseMs: 100, retryMaxMs: 300, maxAttempts: 3, maxPerWindow: 3, rateWindowMs: 60_000 },
    });
    await s.org('acme');
    await s.org('globex');
    erin = await s.user('engineer', 'operator');
    alice = await s.user('customer', 'acme');
    await s.ok(alice.token, 'PATCH', '/api/v1/me', { language: 'zh-CN' });
    bob = await s.user('customer', 'globex');
    await publish([{ p: 'temp', v: 50 }, { p: 'pressure', v: 1.5 }, { p: 'alarm', v: false }]);
    // The 3 h booking below crosses midnight (UTC) when the suite runs after 21:00: the fixture makes it multiDay.
    await s.ok(s.admin, 'POST', '/api/v1/spec-limits', { equipmentId: EQ, parameter: 'temp', low: 10, high: 80 });
    const now = clock.now();
    const booking = await s.ok<{ id: string }>(alice.token, 'POST', '/api/v1/bookings', { equipmentId: EQ, startsAt: s.iso(now + 60_000), endsAt: s.iso(now + 3 * HOUR), purpose: 'scale-up batch' });
    clock.advance(2 * 60_000);
    await s.ok(s.admin, 'POST', '/api/v1/runs', { equipmentId: EQ, bookingId: booking.id, startedAt: s.iso(clock.now() - 1000) });
    for (const target of [
      { channel: 'webhook', url: `${webhook.url}/hook` }, { channel: 'email', to: erin.email }, { channel: 'wecom', url: `${wecom.url}/cgi-bin/webhook/send?key=k1` },
      { channel: 'dingtalk', url: `${dingtalk.url}/robot/send?access_token=t1`, secret: 'SECtest-secret' }, { channel: 'webhook', url: `${failing.url}/down` },
    ]) await s.ok(s.admin, 'POST', '/api/v1/notification-subscriptions', { userId: erin.id, equipmentId: EQ, target });
    // Generic webhooks are set up by staff, for anyone (a customer's own would let it probe the lab's network).
    await s.ok(s.admin, 'POST', '/api/v1/notification-subscriptions', { userId: alice.id, target: { channel: 'webhook', url: aliceHook.url } });
    await s.ok(s.admin, 'POST', '/api/v1/notification-subscriptions', { userId: bob.id, target: { channel: 'webhook', url: bobHook.url } });
    stream = await alarmStream<Alarm>(s.api.url, erin.token);
  });

  it('raises one alarm for a spec-limit excursion of the open run, and tells each receiver once, not once per reading', async () => {
    const sentAt = clock.now();
    for (let i = 0; i < 20; i++) { await publish([{ p: 'temp', v: 95 + i / 10 }]); await sleep(50); }
    const list = await start.eventually('spec-limit alarm', async () => (await alarms(erin.token, '?state=active')).items.find((a) => a.source === 'spec-limit'));
    specAlarm = list;
    expect(list).toMatchObject({ equipmentId: EQ, parameter: 'temp', state: 'active' });
    // Configuration (open run, limits) is re-read once a second: the alarm may wait for that, never for more readings.
    expect(list.raisedAt - sentAt).toBeLessThan(3000);
    expect(list.orgId).toBe('acme');
    await start.eventually('stream event', () => stream.events.find((e) => e.id === list.id && e.transition === 'raised'));
    await start.eventually('all receivers', () => (webhook.received.length && s.smtp.mails.length && wecom.received.length && dingtalk.received.length && aliceHook.received.length ? true : undefined));
    await sleep(1000);
    expect(postsWith(webhook, 'raised', 'spec-limit')).toHaveLength(1);
    expect(webhook.received).toHaveLength(1);
    expect(s.smtp.mails).toHaveLength(1);
    expect(s.smtp.mails[0]!.to).toEqual([erin.email]);
    expect(s.smtp.mails[0]!.raw).toContain('reactor-a');
    expect(wecom.received).toHaveLength(1);
    expect(wecom.received[0]!.body.markdown.content).toMatch(/temp = 9\d/);
    expect(dingtalk.received).toHaveLength(1);
    expect(dingtalk.received[0]!.body.markdown.title).toContain('Test reactor-a');
    expect(postsWith(aliceHook, 'raised', 'spec-limit')).toHaveLength(1);
    expect(bobHook.received).toEqual([]);
  });

  it('words each message in its subscriber\'s language, times in the laboratory\'s zone', () => {
    expect(webhook.received[0]!.body.language).toBe('en');
    expect(webhook.received[0]!.body.text).toMatch(/Outside specification limits: temp = 9\d(\.\d+)? \(above high limit 80\)/);
    expect(webhook.received[0]!.body.text).toContain('UTC+08:00');
    expect(aliceHook.received[0]!.body.language).toBe('zh-CN');
    expect(aliceHook.received[0]!.body.text).toContain('超出技术要求');
    expect(aliceHook.received[0]!.body.text).toContain('UTC+08:00');
  });

  it('lets staff manage anyone\'s subscriptions and everyone else only their own', async () => {
    expect((await s.call(alice.token, 'POST', '/api/v1/notification-subscriptions', { userId: erin.id, target: { channel: 'email', to: alice.email } })).status).toBe(403);
    expect((await s.call(alice.token, 'POST', '/api/v1/notification-subscriptions', { target: { channel: 'webhook', url: aliceHook.url } })).status).toBe(403);
    expect((await s.call(alice.token, 'POST', '/api/v1/notification-subscriptions', { target: { channel: 'wecom', url: `${wecom.url}/cgi-bin/webhook/send?key=k` } })).status).toBe(403);
    await s.ok(alice.token, 'POST', '/api/v1/notification-subscriptions', { target: { channel: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=t', secret: 'SECx' }, enabled: false });
    const mine = await s.ok<{ items: { id: string; userId: string }[] }>(alice.token, 'GET', '/api/v1/notification-subscriptions');
    expect(mine.items.map((x) => x.userId)).toEqual([alice.id, alice.id]);
    const erins = await s.ok<{ items: { id: string; target: { channel: string; secret?: string } }[] }>(erin.token, 'GET', `/api/v1/notification-subscriptions?user=${erin.id}`);
    expect(erins.items).toHaveLength(5);
    expect(erins.items.find((x) => x.target.channel === 'dingtalk')!.target.secret, 'the signing secret is never sent back').toBe('***');
    expect((await s.call(alice.token, 'PATCH', `/api/v1/notification-subscriptions/${erins.items[0]!.id}`, { enabled: false })).status).toBe(404);
    expect((await s.ok<{ items: unknown[] }>(erin.token, 'GET', `/api/v1/notification-subscriptions?user=${alice.id}`)).items).toHaveLength(2);
    // "***" keeps a stored secret; with none stored it would become the secret itself, and every signature wrong.
    const email = erins.items.find((x) => x.target.channel === 'email')!;
    const noSecret = await s.call<{ issues?: { field: string }[] }>(erin.token, 'PATCH', `/api/v1/notification-subscriptions/${email.id}`, { target: { channel: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=t', secret: '***' } });
    expect([noSecret.status, noSecret.body.issues?.[0]?.field]).toEqual([400, 'body.target.secret']);
  });

  it('retries a failing receiver with backoff and shows the failure in /notifications and /metrics', async () => {
    const failed = await start.eventually('failed delivery', async () => (await s.ok<{ items: { state: string; attempts: number; lastError: string | null; channel: string }[] }>(s.admin, 'GET', '/api/v1/notifications?state=failed')).items[0]);
    expect(failed).toMatchObject({ attempts: 3, channel: 'webhook' });
    expect(failed.lastError).toContain('HTTP 500');
    expect(failing.received).toHaveLength(3);
    // Staff only: the API's port faces customers.
    expect((await fetch(`${s.api.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${s.api.url}/metrics`, { headers: { authorization: `Bearer ${alice.token}` } })).status).toBe(403);
    const metrics = await (await fetch(`${s.api.url}/metrics`, { headers: { authorization: `Bearer ${s.admin}` } })).text();
    expect(metrics).toMatch(/pilothub_notifications\{state="failed",channel="webhook"\} 1/);
    expect(metrics).toMatch(/pilothub_notification_attempts_total\{channel="webhook",result="failed"\} 3/);
  });

  it('shows customers only the alarms of their own runs', async () => {
    expect((await alarms(alice.token)).items.map((a) => a.id)).toContain(specAlarm.id);
    expect(await alarms(bob.token)).toEqual({ items: [], total: 0 });
    expect((await s.call(bob.token, 'POST', `/api/v1/alarms/${specAlarm.id}/acknowledge`, { comment: 'not mine' })).status).toBe(404);
  });

  it('records who acknowledged, when and why, in the alarm and the audit log; clearing then closes it', async () => {
    const acked = await s.ok<Alarm & { acknowledgedBy: string; acknowledgeComment: string }>(alice.token, 'POST', `/api/v1/alarms/${specAlarm.id}/acknowledge`, { comment: 'feed throttled' });
    expect(acked).toMatchObject({ state: 'acknowledged', acknowledgedBy: alice.email, acknowledgeComment: 'feed throttled' });
    expect((await s.call(erin.token, 'POST', `/api/v1/alarms/${specAlarm.id}/acknowledge`, { comment: 'again' })).status).toBe(409);
    const audit = await s.ok<{ items: { action: string; actorEmail: string; after: { acknowledgeComment: string } }[] }>(s.admin, 'GET', `/api/v1/audit?entity=alarm&entityId=${specAlarm.id}`);
    expect(audit.items.find((e) => e.action === 'alarm.acknowledge')).toMatchObject({ actorEmail: alice.email, after: { acknowledgeComment: 'feed throttled' } });
    await publish([{ p: 'temp', v: 50 }]);
    await start.eventually('cleared', async () => ((await s.ok<Alarm>(erin.token, 'GET', `/api/v1/alarms/${specAlarm.id}`)).state === 'cleared' ? true : undefined));
    await start.eventually('cleared notified', () => (postsWith(webhook, 'cleared', 'spec-limit').length === 1 ? true : undefined));
  });

  it('hides a shelved alarm, from staff and the stream, until the shelf expires, and then notifies it once while still active', async () => {
    await publish([{ p: 'temp', v: 97 }]);
    const alarm = await start.eventually('a new spec-limit alarm', async () => (await alarms(erin.token, '?state=active')).items.find((a) => a.source === 'spec-limit'));
    expect((await s.call(alice.token, 'POST', `/api/v1/alarms/${alarm.id}/shelve`, { until: s.iso(clock.now() + HOUR), comment: 'x' })).status).toBe(403);
    expect((await s.call(erin.token, 'POST', `/api/v1/alarms/${alarm.id}/shelve`, { until: s.iso(clock.now() + 30 * 86_400_000), comment: 'x' })).status).toBe(400);
    await s.ok(erin.token, 'POST', `/api/v1/alarms/${alarm.id}/shelve`, { until: s.iso(clock.now() + HOUR), comment: 'sensor being recalibrated' });
    expect((await alarms(erin.token)).items.map((a) => a.id)).not.toContain(alarm.id);
    expect((await alarms(erin.token, '?shelved=true')).items.map((a) => a.id)).toEqual([alarm.id]);
    clock.advance(HOUR + 1000);
    expect((await alarms(erin.token)).items.map((a) => a.id)).toContain(alarm.id);
    await start.eventually('unshelved on the stream', () => stream.events.find((e) => e.id === alarm.id && e.transition === 'unshelved'));
    // Its readings are still outside: the subscribers hear that the shelf ended on an active alarm, in their languages.
    const expired = (r: typeof webhook) => postsWith(r, 'unshelved', 'spec-limit');
    await start.eventually('shelf expiry notified', () => (expired(webhook).length && expired(aliceHook).length ? true : undefined));
    expect(expired(webhook)[0]!.body.text).toContain('shelf expired, still active');
    expect(expired(aliceHook)[0]!.body.text).toContain('搁置到期，仍未恢复');
    await sleep(500);
    expect(expired(webhook)).toHaveLength(1);
  });

  it('turns the equipment\'s own alarm condition and a silent device into alarms', async () => {
    await publish([{ p: 'alarm', v: true }, { p: 'pressure', v: 1.5 }]);
    await start.eventually('equipment alarm', async () => (await alarms(erin.token, '?state=active')).items.find((a) => a.source === 'equipment'));
    await s.pub.publishAsync(topics.status(SITE, 'gw-s'), JSON.stringify({ gateway: 'gw-s', state: 'offline' }), { qos: 1, retain: true });
    const offline = await start.eventually('offline alarm', async () => (await alarms(erin.token, '?state=active')).items.find((a) => a.source === 'offline'));
    expect(offline.equipmentId).toBe(EQ);
  });

  it('groups a flapping signal and holds messages beyond the rate limit', async () => {
    await s.pub.publishAsync(topics.status(SITE, 'gw-s'), JSON.stringify({ gateway: 'gw-s', state: 'online' }), { qos: 1, retain: true });
    await publish([{ p: 'alarm', v: false }, { p: 'temp', v: 50 }]);
    await sleep(1500);
    const flapHook = await httpReceiver();
    const sub = await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/notification-subscriptions', { userId: erin.id, equipmentId: EQ, target: { channel: 'webhook', url: flapHook.url } });
    await sleep(500);
    for (let i = 0; i < 16; i++) { await publish([{ p: 'temp', v: i % 2 ? 50 : 99 }]); await sleep(120); }
    await sleep(1000);
    const notes = (await s.ok<{ items: { state: string; events: unknown[]; nextAttemptAt: number }[] }>(s.admin, 'GET', `/api/v1/notifications?subscription=${sub.id}`)).items;
    expect(flapHook.received, 'the rate limit (3 per window) reached the receiver, each message grouping several transitions').toHaveLength(3);
    expect(flapHook.received.every((r) => r.body.events.length > 1)).toBe(true);
    const held = notes.filter((n) => n.state === 'grouping');
    expect(held).toHaveLength(1);
    expect(held[0]!.nextAttemptAt - clock.now()).toBeGreaterThan(30_000);
    expect(notes.reduce((n, x) => n + x.events.length, 0), 'every transition is in some message').toBe(16);
  });
});
