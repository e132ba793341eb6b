import type { Birth, Reading } from '../common/contracts/index.js';
import { writeReadings } from '../common/influx/rollups.js';
import { SITE, sharingStack } from './sharing-fixture.js';

/**
 * The sharing stack (real influxd, broker, API with SQLite and logins) plus one piece of equipment announced
 * by a retained birth, whose points the tests write straight into InfluxDB in the production layout, rollups
 * included (common/influx/layout.ts, rollups.ts), so every expected value is known to the test.
 */
export async function historyStack(equipment: string, parameters: Birth['parameters'], options: { timeZone?: string } = {}) {
  const s = await sharingStack(options);
  await s.influx.client.ensureDatabase();
  await s.announce(equipment, parameters);
  const write = async (readings: Reading[]) => {
    for (let i = 0; i < readings.length; i += 5000) {
      await writeReadings(s.influx.client, { site: SITE, equipment, gateway: 'gw-s' }, readings.slice(i, i + 5000));
    }
  };
  const get = (path: string, headers: Record<string, string> = {}, token = s.admin) =>
    fetch(`${s.api.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  return { ...s, write, get };
}

export const iso = (t: number) => new Date(t).toISOString();

type Stack = Awaited<ReturnType<typeof historyStack>>;

/**
 * A closed run of `orgId` on `equipment` over [from, to], made through the API as people do it: the
 * equipment is made bookable, a customer books, an engineer approves, opens and closes the run.
 */
export async function customerRun(s: Stack, equipment: string, orgId: string, from: number, to: number) {
  await s.ok(s.admin, 'PATCH', `/api/v1/equipment/${equipment}`, { bookable: true, leadTimeMin: 0 });
  const customer = await s.user('customer', orgId);
  const booking = await s.ok<{ id: string; status: string }>(customer.token, 'POST', '/api/v1/bookings', { equipmentId: equipment, startsAt: iso(from), endsAt: iso(Math.max(to, from + 15 * 60_000)) });
  if (booking.status !== 'approved') await s.ok(s.admin, 'POST', `/api/v1/bookings/${booking.id}/approve`, {});
  const run = await s.ok<{ id: string }>(s.admin, 'POST', '/api/v1/runs', { equipmentId: equipment, bookingId: booking.id, startedAt: iso(from) });
  await s.ok(s.admin, 'POST', `/api/v1/runs/${run.id}/close`, { endedAt: iso(to) });
  return { runId: run.id, customer };
}
