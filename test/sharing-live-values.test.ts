import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../common/contracts/index.js';
import { HOUR, SITE, sharingStack } from './sharing-fixture.js';

type Stack = Awaited<ReturnType<typeof sharingStack>>;

/** Reads a status stream for a while and returns the "values" events it carried. */
async function valuesEvents(s: Stack, token: string, ms = 1500): Promise<{ equipmentId: string; values: Record<string, { v: unknown }> }[]> {
  const ctrl = new AbortController();
  const res = await fetch(`${s.api.url}/api/v1/status/stream`, { headers: { authorization: `Bearer ${token}` }, signal: ctrl.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const timer = setTimeout(() => ctrl.abort(), ms);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
  } catch { /* aborted: the time is up */ }
  clearTimeout(timer);
  return text.split('\n\n').filter((block) => block.startsWith('event: values')).map((block) => JSON.parse(block.split('\ndata: ')[1]!));
}

describe('live values on the status stream', () => {
  let s: Stack;
  let engineer = '';
  let acmeCustomer = { token: '', id: '' };
  let globexCustomer = '';

  beforeAll(async () => {
    s = await sharingStack();
    await s.org('acme');
    await s.org('globex');
    await s.announce('oven-7', [{ id: 'temp', name: 'Temperature', unit: '°C', datatype: 'number' }]);
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/oven-7', { bookable: true, autoApproveAll: true });
    engineer = (await s.user('engineer', 'operator')).token;
    const alice = await s.user('customer', 'acme');
    acmeCustomer = { token: alice.token, id: alice.id };
    globexCustomer = (await s.user('customer', 'globex')).token;
    const client = await mqtt.connectAsync(s.broker.url);
    await client.publishAsync(topics.data(SITE, 'oven-7'), JSON.stringify({ gateway: 'gw-s', seq: 1, readings: [{ p: 'temp', v: 451.5, t: s.clock.now() }] }), { qos: 1 });
    await client.endAsync();
  });

  it('pushes the latest values to operator staff', async () => {
    const events = await valuesEvents(s, engineer);
    expect(events.find((e) => e.equipmentId === 'oven-7')?.values.temp?.v).toBe(451.5);
  });

  it('pushes them to a customer only during their own open run', async () => {
    expect(await valuesEvents(s, acmeCustomer.token)).toEqual([]);
    const now = s.clock.now();
    const booking = await s.ok<{ id: string }>(acmeCustomer.token, 'POST', '/api/v1/bookings', { equipmentId: 'oven-7', startsAt: s.iso(now + 2 * HOUR), endsAt: s.iso(now + 4 * HOUR), purpose: 'trial' });
    s.clock.advance(2 * HOUR + 60_000);
    await s.ok(s.admin, 'POST', '/api/v1/runs', { equipmentId: 'oven-7', bookingId: booking.id, startedAt: s.iso(s.clock.now()) });
    // The reading before the run (another firm's time on the machine, say) is not the customer's to see.
    const atStart = await valuesEvents(s, acmeCustomer.token);
    expect(atStart.map((e) => e.equipmentId)).toEqual(['oven-7']);
    expect(atStart[0]!.values.temp).toBeUndefined();
    const client = await mqtt.connectAsync(s.broker.url);
    await client.publishAsync(topics.data(SITE, 'oven-7'), JSON.stringify({ gateway: 'gw-s', seq: 2, readings: [{ p: 'temp', v: 452.5, t: s.clock.now() }] }), { qos: 1 });
    await client.endAsync();
    await expect.poll(async () => (await valuesEvents(s, acmeCustomer.token, 800)).at(-1)?.values.temp?.v, { timeout: 10_000 }).toBe(452.5);
    expect(await valuesEvents(s, globexCustomer)).toEqual([]);
    // At the very instant the run ends the customer no longer sees the machine (windows are half-open).
    const run = (await s.ok<{ items: { id: string; endedAt: number | null }[] }>(s.admin, 'GET', '/api/v1/runs?equipment=oven-7')).items.find((r) => r.endedAt === null)!;
    await s.ok(s.admin, 'POST', `/api/v1/runs/${run.id}/close`, { endedAt: s.iso(s.clock.now()) });
    expect(await valuesEvents(s, acmeCustomer.token)).toEqual([]);
  });
});
