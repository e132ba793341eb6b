import { beforeAll, describe, expect, it } from 'vitest';
import { HOUR, sharingStack } from './sharing-fixture.js';

type Stack = Awaited<ReturnType<typeof sharingStack>>;

const T0 = Date.UTC(2026, 10, 24, 0, 0, 0);
/** The UID of every event of an iCal feed, unfolded (RFC 5545 §3.1 folds lines longer than 75 octets). */
const uids = (ics: string) => [...ics.replace(/\r\n[ \t]/g, '').matchAll(/^UID:(.*)$/gm)].map((m) => m[1]!.trim());

describe("iCal busy events carry no id of another organisation's objects", () => {
  let s: Stack;
  let acmeBooking: string;
  let globexBooking: string;
  let globexToken: string;

  beforeAll(async () => {
    s = await sharingStack();
    await s.org('acme');
    await s.org('globex');
    await s.announce('oven-9');
    await s.ok(s.admin, 'PATCH', '/api/v1/equipment/oven-9', { bookable: true, autoApproveAll: true });
    const alice = await s.user('customer', 'acme');
    const bob = await s.user('customer', 'globex');
    globexToken = bob.token;
    acmeBooking = (await s.ok<{ id: string }>(alice.token, 'POST', '/api/v1/bookings', { equipmentId: 'oven-9', startsAt: s.iso(T0 + 10 * HOUR), endsAt: s.iso(T0 + 12 * HOUR), purpose: 'acme trial' })).id;
    globexBooking = (await s.ok<{ id: string }>(bob.token, 'POST', '/api/v1/bookings', { equipmentId: 'oven-9', startsAt: s.iso(T0 + 13 * HOUR), endsAt: s.iso(T0 + 14 * HOUR), purpose: 'globex trial' })).id;
  });

  it("names the caller's own bookings and shows another organisation's only as a busy slot with a UID of its own", async () => {
    const feed = await s.ok<{ url: string }>(globexToken, 'POST', '/api/v1/ical-tokens', { kind: 'equipment', equipmentId: 'oven-9' });
    const ics = await (await fetch(feed.url)).text();
    expect(ics).toContain('oven-9: busy');
    expect(ics).not.toContain(acmeBooking);
    expect(ics).not.toContain('acme');
    const ids = uids(ics);
    expect(ids).toHaveLength(2);
    expect(ids).toContain(`${globexBooking}@pilothub`);
    // Calendar clients update an event by its UID: the busy one stays the same from one fetch to the next.
    expect(uids(await (await fetch(feed.url)).text())).toEqual(ids);
    // The owner's feed still names the booking.
    const own = await s.ok<{ url: string }>(s.admin, 'POST', '/api/v1/ical-tokens', { kind: 'equipment', equipmentId: 'oven-9' });
    expect(uids(await (await fetch(own.url)).text()).sort()).toEqual([`${acmeBooking}@pilothub`, `${globexBooking}@pilothub`].sort());
  });
});
