import { labTime } from '../api/errors.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../api/db/index.js';
import { bootstrapPeople } from '../api/sharing/people.js';
import { sharingStack } from './sharing-fixture.js';

type Stack = Awaited<ReturnType<typeof sharingStack>>;

describe('sharing API review: credentials, money and records', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await sharingStack();
    await s.org('acme');
    await s.announce('press-1');
    await s.announce('press-2');
  });

  it('ends an open status stream as soon as its token is revoked', async () => {
    const carol = await s.user('customer', 'acme');
    const res = await fetch(`${s.api.url}/api/v1/status/stream`, { headers: { authorization: `Bearer ${carol.token}` } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('event: status');
    await s.ok(s.admin, 'POST', `/api/v1/users/${carol.id}/revoke-tokens`);
    // The stream must end by itself (the server re-checks the token on its 1 s calendar tick); vitest's timeout bounds the wait.
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      expect(new TextDecoder().decode(chunk.value)).not.toContain('event: status');
    }
    expect((await s.call(carol.token, 'GET', '/api/v1/status')).status).toBe(401);
  }, 60_000);

  it("shows customers the external rate they pay, never the operator's internal rate", async () => {
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/press-1', { rateInternal: 41.5, rateExternal: 120 });
    const dave = await s.user('customer', 'acme');
    const seen = await s.ok<{ profile: { rateInternal: number | null; rateExternal: number } }>(dave.token, 'GET', '/api/v1/equipment/press-1');
    expect(seen.profile).toMatchObject({ rateInternal: null, rateExternal: 120 });
    const staff = await s.ok<{ profile: { rateInternal: number | null } }>(s.admin, 'GET', '/api/v1/equipment/press-1');
    expect(staff.profile.rateInternal).toBe(41.5);
  });

  it('bills to the cent, rounding half up: 90 min at 2.01 per hour is 3.02', async () => {
    await s.org('initech');
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/press-1', { bookable: true, autoApproveAll: true, leadTimeMin: 0, rateExternal: 2.01, billingPolicy: 'booked' });
    const erin = await s.user('customer', 'initech');
    const start = Date.UTC(2026, 10, 24, 10, 0, 0);
    await s.ok(erin.token, 'POST', '/api/v1/bookings', { equipmentId: 'press-1', startsAt: s.iso(start), endsAt: s.iso(start + 90 * 60_000) });
    const usage = await s.ok<{ lines: { billedMinutes: number; amount: number }[]; total: number }>(erin.token, 'GET', '/api/v1/usage?month=2026-11');
    expect(usage.lines).toMatchObject([{ billedMinutes: 90, amount: 3.02 }]);
    expect(usage.total).toBe(3.02);
  });

  it("revoking a user's tokens also kills their calendar feed URLs", async () => {
    const frank = await s.user('customer', 'acme');
    const feed = await s.ok<{ url: string }>(frank.token, 'POST', '/api/v1/ical-tokens', { kind: 'user' });
    expect((await fetch(feed.url)).status).toBe(200);
    await s.ok(s.admin, 'POST', `/api/v1/users/${frank.id}/revoke-tokens`);
    expect((await fetch(feed.url)).status).toBe(404);
  });

  it('refuses a first-admin password from the environment shorter than users may choose, and ignores it once users exist', async () => {
    const db = openDatabase(':memory:');
    try {
      await expect(bootstrapPeople(db, Date.now(), { email: 'root@pilothub.test', password: 'admin' })).rejects.toThrow(/PILOTHUB_ADMIN_PASSWORD must be at least 10 characters/);
      expect(db.prepare('SELECT COUNT(*) FROM users').pluck().get()).toBe(0);
      expect(await bootstrapPeople(db, Date.now(), { email: 'root@pilothub.test', password: 'long enough password' })).toMatchObject({ generated: false });
      expect(await bootstrapPeople(db, Date.now(), { password: 'short' })).toBeNull();
    } finally {
      db.close();
    }
  });

  it("files the revocation of a customer's API key and feed URL under the customer's organisation in the audit log", async () => {
    const gina = await s.user('customer', 'acme');
    const key = await s.ok<{ id: string }>(gina.token, 'POST', '/api/v1/api-keys', { name: 'script' });
    const feed = await s.ok<{ id: string }>(gina.token, 'POST', '/api/v1/ical-tokens', { kind: 'user' });
    // An admin revokes them: the entries belong to acme, not to the operator doing it.
    await s.ok(s.admin, 'DELETE', `/api/v1/api-keys/${key.id}`);
    await s.ok(s.admin, 'DELETE', `/api/v1/ical-tokens/${feed.id}`);
    for (const [action, id] of [['api_key.revoke', key.id], ['ical_token.revoke', feed.id]]) {
      const found = await s.ok<{ items: { entityId: string; before: unknown; after: unknown }[] }>(s.admin, 'GET', `/api/v1/audit?org=acme&action=${action}`);
      expect(found.items.map((i) => i.entityId), action).toEqual([id]);
      expect(found.items[0]).toMatchObject({ before: { revokedAt: null }, after: { revokedAt: expect.any(Number) } });
    }
  });

  it('does not let a customer cancel a booking once it has started (it would no longer be billed); staff still can', async () => {
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/press-1', { bookable: true, autoApproveAll: true, leadTimeMin: 0, noShowGraceMin: 600 });
    const hank = await s.user('customer', 'acme');
    const start = s.clock.now() + 2 * 3_600_000;
    const booking = await s.ok<{ id: string }>(hank.token, 'POST', '/api/v1/bookings', { equipmentId: 'press-1', startsAt: s.iso(start), endsAt: s.iso(start + 3_600_000) });
    s.clock.set(start + 60_000);
    const refused = await s.call<{ message: string }>(hank.token, 'POST', `/api/v1/bookings/${booking.id}/cancel`, { reason: 'done early' });
    expect(refused.status).toBe(409);
    // Named in the laboratory's zone (UTC in tests) with its offset (issue 14).
    expect(refused.body.message).toContain(labTime(start, 'UTC'));
    expect((await s.ok<{ status: string }>(s.admin, 'POST', `/api/v1/bookings/${booking.id}/cancel`, { reason: 'machine fault' })).status).toBe('cancelled');
  });

  it('records who closed an open run when an engineer corrects its end instead of closing it', async () => {
    const ivan = await s.user('engineer', 'operator');
    const run = await s.ok<{ id: string; startedAt: number }>(ivan.token, 'POST', '/api/v1/runs', { equipmentId: 'press-1', note: 'by hand' });
    const corrected = await s.ok<{ endedAt: number; closedBy: string | null }>(ivan.token, 'PATCH', `/api/v1/runs/${run.id}`, { endedAt: s.iso(run.startedAt + 60_000), note: 'forgot to close' });
    expect(corrected).toMatchObject({ endedAt: run.startedAt + 60_000, closedBy: ivan.id });
  });

  it('refuses runs of one equipment that would overlap (two organisations would see the same data); touching is fine', async () => {
    const t = Date.UTC(2026, 10, 1, 8, 0, 0);
    const first = await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/runs', { equipmentId: 'press-2', startedAt: s.iso(t) });
    await s.ok(s.admin, 'POST', `/api/v1/runs/${first.id}/close`, { endedAt: s.iso(t + 3_600_000) });
    const inside = await s.call<{ message: string; issues: { field: string }[] }>(s.admin, 'POST', '/api/v1/runs', { equipmentId: 'press-2', startedAt: s.iso(t + 1_800_000) });
    expect(inside.status).toBe(409);
    expect(inside.body.message).toContain(`run "${first.id}" of "press-2" (${labTime(t, 'UTC')} to ${labTime(t + 3_600_000, 'UTC')})`);
    // An open run starting before the first one would cover it too.
    expect((await s.call(s.admin, 'POST', '/api/v1/runs', { equipmentId: 'press-2', startedAt: s.iso(t - 60_000) })).status).toBe(409);
    const next = await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/runs', { equipmentId: 'press-2', startedAt: s.iso(t + 3_600_000) });
    await s.ok(s.admin, 'POST', `/api/v1/runs/${next.id}/close`, { endedAt: s.iso(t + 7_200_000) });
    // Corrections are held to the same rule, and nothing is changed by a refused one.
    const stretched = await s.call(s.admin, 'PATCH', `/api/v1/runs/${first.id}`, { endedAt: s.iso(t + 3_700_000), note: 'log book' });
    expect(stretched.status).toBe(409);
    expect((await s.ok<{ endedAt: number }>(s.admin, 'GET', `/api/v1/runs/${first.id}`)).endedAt).toBe(t + 3_600_000);
  });

  it("ends a user's sessions when an admin sets a new password, and the new password signs in", async () => {
    const judy = await s.user('customer', 'acme');
    await s.ok(s.admin, 'PATCH', `/api/v1/users/${judy.id}`, { password: 'a brand new passphrase' });
    expect((await s.call(judy.token, 'GET', '/api/v1/auth/me')).status).toBe(401);
    expect((await s.call(null, 'POST', '/api/v1/auth/login', { email: judy.email, password: 'a brand new passphrase' })).status).toBe(200);
  });

  it('lists the bookings a new maintenance window hits, and refuses to approve a request it hits, naming the window', async () => {
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/press-1', { bookable: true, autoApproveAll: false, autoApproveOrgs: [], leadTimeMin: 0 });
    const kim = await s.user('customer', 'acme');
    const start = Date.UTC(2026, 10, 26, 10, 0, 0);
    const asked = await s.ok<{ id: string; status: string }>(kim.token, 'POST', '/api/v1/bookings', { equipmentId: 'press-1', startsAt: s.iso(start), endsAt: s.iso(start + 3_600_000) });
    expect(asked.status).toBe('requested');
    const planned = await s.ok<{ affectedBookings: unknown[] }>(s.admin, 'POST', '/api/v1/equipment/press-1/maintenance', { startsAt: s.iso(start + 1_800_000), endsAt: s.iso(start + 7_200_000), reason: 'seal change' });
    // Staff learn at once which bookings the window hits; the booking itself is left for them to settle.
    expect(planned.affectedBookings).toEqual([{ id: asked.id, orgId: kim.orgId, startsAt: start, endsAt: start + 3_600_000, status: 'requested' }]);
    const refused = await s.call<{ message: string; conflict: unknown }>(s.admin, 'POST', `/api/v1/bookings/${asked.id}/approve`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('seal change');
    expect(refused.body.conflict).toEqual({ equipmentId: 'press-1', startsAt: start + 1_800_000, endsAt: start + 7_200_000 });
  });
});
