import { beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../api/server.js';
import { freePort } from '../common/runtime/ports.js';
import * as start from './helpers/servers.js';
import { DAY, HOUR, sharingStack } from './sharing-fixture.js';

type Stack = Awaited<ReturnType<typeof sharingStack>>;

describe('people and access: logins, API keys, revocation, qualifications, audit', () => {
  let s: Stack;

  beforeAll(async () => {
    s = await sharingStack();
    await s.org('acme');
  });

  it('answers a wrong password and an unknown email alike with 401', async () => {
    const carol = await s.user('customer', 'acme', 'carol');
    const wrong = await s.call<{ message: string }>(null, 'POST', '/api/v1/auth/login', { email: carol.email, password: 'not the password' });
    const unknown = await s.call<{ message: string }>(null, 'POST', '/api/v1/auth/login', { email: 'nobody@pilothub.test', password: 'not the password' });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body.message).toBe(unknown.body.message);
    expect((await s.call(null, 'GET', '/api/v1/auth/me')).status).toBe(401);
    expect((await s.call('phs_forged', 'GET', '/api/v1/auth/me')).status).toBe(401);
  });

  it('revokes sessions, API keys and every token of a disabled user', async () => {
    const dave = await s.user('customer', 'acme', 'dave');
    const key = await s.ok<{ id: string; key: string }>(dave.token, 'POST', '/api/v1/api-keys', { name: 'nightly export' });
    expect((await s.ok<{ email: string }>(key.key, 'GET', '/api/v1/auth/me')).email).toBe(dave.email);
    await s.ok(dave.token, 'DELETE', `/api/v1/api-keys/${key.id}`);
    expect((await s.call(key.key, 'GET', '/api/v1/auth/me')).status).toBe(401);

    await s.ok(dave.token, 'POST', '/api/v1/auth/logout');
    expect((await s.call(dave.token, 'GET', '/api/v1/auth/me')).status).toBe(401);

    // Signing in again works even when the client still sends its revoked token.
    const again = (await s.ok<{ token: string }>(dave.token, 'POST', '/api/v1/auth/login', { email: dave.email, password: 'correct horse battery' })).token;
    const key2 = (await s.ok<{ key: string }>(again, 'POST', '/api/v1/api-keys', { name: 'second' })).key;
    await s.ok(s.admin, 'POST', `/api/v1/users/${dave.id}/revoke-tokens`);
    expect((await s.call(again, 'GET', '/api/v1/auth/me')).status).toBe(401);
    expect((await s.call(key2, 'GET', '/api/v1/auth/me')).status).toBe(401);

    const fresh = (await s.ok<{ token: string }>('', 'POST', '/api/v1/auth/login', { email: dave.email, password: 'correct horse battery' })).token;
    await s.ok(s.admin, 'PATCH', `/api/v1/users/${dave.id}`, { disabled: true });
    expect((await s.call(fresh, 'GET', '/api/v1/auth/me')).status).toBe(401);
    expect((await s.call(null, 'POST', '/api/v1/auth/login', { email: dave.email, password: 'correct horse battery' })).status).toBe(401);
  });

  it('keeps roles inside the right kind of organisation', async () => {
    const r = await s.call<{ issues: { field: string }[] }>(s.admin, 'POST', '/api/v1/users', { email: 'x@acme.test', name: 'x', role: 'engineer', orgId: 'acme', password: 'correct horse battery' });
    expect(r.status).toBe(400);
    expect(r.body.issues[0]?.field).toBe('body.role');
    const customer = await s.user('customer', 'acme');
    expect((await s.call(customer.token, 'POST', '/api/v1/orgs', { id: 'evil', name: 'Evil' })).status).toBe(403);
  });

  it('expires a qualification after N days without use; a run renews it', async () => {
    await s.announce('spray-2');
    await s.ok(s.admin, 'POST', '/api/v1/qualifications', { id: 'dryer-op', name: 'Spray dryer operation', expiresAfterDays: 30 });
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/spray-2', { bookable: true, autoApproveAll: true, requiredQualification: 'dryer-op' });
    const key = async (token: string) => (await s.ok<{ key: string }>(token, 'POST', '/api/v1/api-keys', { name: 'scripts' })).key;
    const erin = await s.user('engineer', 'operator');
    const carol = await s.user('customer', 'acme', 'carol-q');
    const session = carol.token;
    erin.token = await key(erin.token);
    carol.token = await key(carol.token);
    const book = (dayOffset: number) => {
      const at = Math.ceil(s.clock.now() / DAY) * DAY + dayOffset * DAY + 10 * HOUR;
      return s.call<{ id: string; message: string }>(carol.token, 'POST', '/api/v1/bookings', { equipmentId: 'spray-2', startsAt: s.iso(at), endsAt: s.iso(at + HOUR) });
    };
    const without = await book(1);
    expect(without.status).toBe(403);
    expect(without.body.message).toContain('does not hold');

    await s.ok(erin.token, 'PUT', `/api/v1/users/${carol.id}/qualifications/dryer-op`);
    const used = await book(1);
    expect(used.status).toBe(201);

    s.clock.advance(20 * DAY);
    expect((await s.call(session, 'GET', '/api/v1/auth/me')).status).toBe(401); // sessions last 7 days; API keys until revoked
    // The engineer records the session as a run of that booking: that use renews the qualification.
    await s.ok(erin.token, 'POST', '/api/v1/runs', { equipmentId: 'spray-2', bookingId: used.body.id, startedAt: s.iso(s.clock.now()) });
    s.clock.advance(25 * DAY); // 45 days after the grant, 25 after the last use
    expect((await book(1)).status).toBe(201);
    s.clock.advance(6 * DAY); // 31 days without use
    const expired = await book(1);
    expect(expired.status).toBe(403);
    expect(expired.body.message).toContain('expired');
    const held = await s.ok<{ items: { qualificationId: string; state: string }[] }>(carol.token, 'GET', `/api/v1/users/${carol.id}/qualifications`);
    expect(held.items).toMatchObject([{ qualificationId: 'dryer-op', state: 'expired' }]);
  });

  it('audits writes with actor and before/after, filterable by admins only', async () => {
    const eve = await s.user('customer', 'acme', 'eve');
    await s.ok(s.admin, 'PATCH', `/api/v1/users/${eve.id}`, { name: 'Eve Renamed' });
    const log = await s.ok<{ items: { action: string; actorEmail: string; before: { name: string }; after: { name: string } }[] }>(s.admin, 'GET', `/api/v1/audit?entity=user&entityId=${eve.id}`);
    expect(log.items.map((e) => e.action)).toEqual(['user.update', 'user.create']);
    expect(log.items[0]).toMatchObject({ actorEmail: start.TEST_ADMIN.email, before: { name: 'eve' }, after: { name: 'Eve Renamed' } });
    const byActor = await s.ok<{ items: { actorEmail: string }[] }>(s.admin, 'GET', `/api/v1/audit?actor=${encodeURIComponent(eve.email)}`);
    expect(byActor.items.length).toBeGreaterThan(0);
    expect(byActor.items.every((e) => e.actorEmail === eve.email)).toBe(true);
    expect((await s.call(eve.token, 'GET', '/api/v1/audit')).status).toBe(403);
  });

  it('creates the first admin once, with a random password when none is given', async () => {
    const dataDir = start.tempDir('pilothub-bootstrap-');
    const first = await startApi({ port: await freePort(), mqttUrl: s.broker.url, influxUrl: s.influx.url, dataDir });
    expect(first.createdAdmin?.generated).toBe(true);
    const login = await fetch(`${first.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: first.createdAdmin!.email, password: first.createdAdmin!.password }) });
    expect(login.status).toBe(200);
    await first.stop();
    const second = await startApi({ port: await freePort(), mqttUrl: s.broker.url, influxUrl: s.influx.url, dataDir, admin: { password: 'another-password' } });
    expect(second.createdAdmin).toBeNull();
    await second.stop();
  });
});
