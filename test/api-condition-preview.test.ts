import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../common/contracts/index.js';
import { eventually } from './helpers/servers.js';
import { SITE, sharingStack } from './sharing-fixture.js';

type Stack = Awaited<ReturnType<typeof sharingStack>>;

/** Issue 15: the profile editor previews a run or alarm condition against the values the hub holds now. */
describe('POST /api/v1/equipment/:id/condition-preview', () => {
  let s: Stack;
  let engineer = '';
  let customer = '';
  const preview = (token: string, condition: string, lang = 'en') => fetch(`${s.api.url}/api/v1/equipment/oven-7/condition-preview`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'accept-language': lang }, body: JSON.stringify({ condition }),
  }).then(async (r) => ({ status: r.status, body: await r.json() as any }));

  beforeAll(async () => {
    s = await sharingStack();
    await s.org('acme');
    await s.announce('oven-7', [{ id: 'temp', name: 'Temperature', unit: '°C', datatype: 'number' }, { id: 'running', name: 'Running', unit: '', datatype: 'boolean' }]);
    engineer = (await s.user('engineer', 'operator')).token;
    customer = (await s.user('customer', 'acme')).token;
  });

  it('is unknown, with no values, while nothing is heard from the equipment', async () => {
    const r = await preview(engineer, 'temp > 100');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ value: null, unknownBecause: 'offline', parameters: [{ id: 'temp', known: true, value: null }] });
  });

  it('evaluates true and false over the latest values once the gateway is online, naming unknown parameters', async () => {
    const client = await mqtt.connectAsync(s.broker.url);
    await client.publishAsync(topics.status(SITE, 'gw-s'), JSON.stringify({ gateway: 'gw-s', state: 'online' }), { qos: 1, retain: true });
    await client.publishAsync(topics.data(SITE, 'oven-7'), JSON.stringify({ gateway: 'gw-s', seq: 1, readings: [{ p: 'temp', v: 151.5, t: Date.now() }, { p: 'running', v: true, t: Date.now() }] }), { qos: 1 });
    await client.endAsync();
    await eventually('values arrived', async () => ((await preview(engineer, 'temp > 100')).body.value === true ? true : undefined));
    expect((await preview(engineer, 'temp > 200')).body.value).toBe(false);
    const r = await preview(engineer, 'running == true && tmep > 100');
    expect(r.body.value).toBe(false);
    expect(r.body.parameters).toEqual([
      { id: 'running', known: true, value: true, at: expect.any(Number) },
      { id: 'tmep', known: false, value: null, at: null },
    ]);
  });

  it('answers a syntax error with 400 naming the position, in the reader\'s language, on the condition field', async () => {
    const r = await preview(engineer, 'temp > > 3');
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('condition_syntax');
    expect(r.body.message).toContain('position 8');
    expect(r.body.issues).toEqual([expect.objectContaining({ field: 'body.condition' })]);
    expect((await preview(engineer, 'temp > > 3', 'zh-CN')).body.message).toContain('第 8 个字符');
  });

  it('refuses customers', async () => {
    expect((await preview(customer, 'temp > 100')).status).toBe(403);
  });
});
