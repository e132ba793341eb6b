import { beforeAll, describe, expect, it } from 'vitest';
import * as start from './helpers/servers.js';
import { HOUR, MIN, type Reply } from './sharing-fixture.js';

const DRYER_GATEWAY = `
gateway: { id: gw-runs, site: hall-r }
mqtt: { url: \${PILOTHUB_MQTT_URL} }
devices:
  - id: dryer-1
    name: Pilot spray dryer SD-1
    kind: spray-dryer
    protocol: modbus
    connection: { transport: tcp, host: 127.0.0.1, port: \${PILOTHUB_SIM_DRYER_PORT}, unitId: 1 }
    pollIntervalMs: 200
    parameters:
      - { id: feed_rate, name: Feed rate, unit: kg/h, table: input, address: 4, type: float32 }
      - { id: running, name: Dryer running, table: coil, address: 0, type: bool }
      - { id: alarm, name: Common alarm, table: discrete, address: 0, type: bool }
`;

interface Booking { id: string; status: string; slotReleased: boolean; bookedMinutes: number; measuredMinutes: number }
interface Run { id: string; startedAt: number; endedAt: number | null; openedBy: string; closedBy: string | null; minutes: number }

/**
 * Measured use from real process data: the spray dryer simulator's running coil, read by a real gateway,
 * carried by the real broker into the API's live registry, opens and closes runs within a booking.
 */
describe('runs measured from the spray dryer, no-shows and usage billing', () => {
  // The calendar clock runs in real time from a fixed day (so the month is known), and can jump ahead.
  let offset = Date.UTC(2026, 10, 10, 9, 0, 0) - Date.now();
  const now = () => Date.now() + offset;
  const iso = (t: number) => new Date(t).toISOString();
  let api: start.TestApi;
  let dryer: Awaited<ReturnType<typeof start.sprayDryer>>;
  let alice: string;
  let bob: string;
  let engineer: string;
  let first: Booking;
  const call = async <T = any>(token: string, method: string, path: string, body?: unknown): Promise<Reply<T>> => {
    const res = await fetch(`${api.url}${path}`, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    return { status: res.status, text, body: (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
  };
  const ok = async <T = any>(token: string, method: string, path: string, body?: unknown): Promise<T> => {
    const r = await call<T>(token, method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path} -> ${r.status}: ${r.text}`);
    return r.body;
  };
  const login = async (email: string) => (await ok<{ token: string }>('', 'POST', '/api/v1/auth/login', { email, password: 'correct horse battery' })).token;

  beforeAll(async () => {
    const influx = await start.influxd();
    const mqtt = await start.broker();
    api = await start.api({ mqttUrl: mqtt.url, influxUrl: influx.url, now, trackerTickMs: 100 });
    dryer = await start.sprayDryer({ running: false });
    await start.gateway(DRYER_GATEWAY, { PILOTHUB_MQTT_URL: mqtt.url, PILOTHUB_SIM_DRYER_PORT: String(dryer.port) });
    const admin = api.adminToken;
    for (const id of ['acme', 'globex']) await ok(admin, 'POST', '/api/v1/orgs', { id, name: `Org ${id}` });
    const person = async (email: string, role: string, orgId: string) => {
      await ok(admin, 'POST', '/api/v1/users', { email, name: email.split('@')[0], role, orgId, password: 'correct horse battery' });
      return login(email);
    };
    alice = await person('alice@acme.test', 'customer', 'acme');
    bob = await person('bob@globex.test', 'customer', 'globex');
    engineer = await person('erin@operator.test', 'engineer', 'operator');
    await start.eventually('dryer-1 online', async () => ((await call<{ live: { online: boolean } }>(admin, 'GET', '/api/v1/equipment/dryer-1')).body.live?.online ? true : undefined));
    await ok(admin, 'PATCH', '/api/v1/equipment/dryer-1', {
      bookable: true, autoApproveAll: true, runCondition: 'running == true', runCloseAfterS: 2,
      minBookingMin: 15, leadTimeMin: 0, noShowGraceMin: 30, noShowRelease: true, rateExternal: 120, billingPolicy: 'max',
    });
  });

  it('shows the dryer as booked, then running, on the status stream', async () => {
    const t = now();
    first = await ok<Booking>(alice, 'POST', '/api/v1/bookings', { equipmentId: 'dryer-1', startsAt: iso(t + MIN), endsAt: iso(t + 61 * MIN), purpose: 'trial 1', recipe: 'SD-7' });
    offset += 2 * MIN;
    const res = await fetch(`${api.url}/api/v1/status/stream`, { headers: { authorization: `Bearer ${alice}` } });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const seen: string[] = [];
    let buffer = '';
    const nextStatus = async () => {
      while (!/\n\n/.test(buffer)) buffer += new TextDecoder().decode((await reader.read()).value);
      const [event, rest] = [buffer.slice(0, buffer.indexOf('\n\n')), buffer.slice(buffer.indexOf('\n\n') + 2)];
      buffer = rest;
      const data = /^data: (.*)$/m.exec(event)?.[1];
      return data ? (JSON.parse(data) as { equipmentId: string; status: string }) : undefined;
    };
    const waitFor = async (status: string) => {
      for (;;) {
        const e = await nextStatus();
        if (e?.equipmentId === 'dryer-1') seen.push(e.status);
        if (e?.status === status) return;
      }
    };
    await waitFor('booked');
    dryer.setRunning(true);
    await waitFor('running');
    await reader.cancel();
    expect(seen.slice(-2)).toEqual(['booked', 'running']);
  });

  it('opens a run when the dryer starts within the booking and closes it after the condition stays false', async () => {
    const open = await start.eventually('an automatic run', async () => {
      const runs = await ok<{ items: Run[] }>(alice, 'GET', `/api/v1/runs?booking=${first.id}`);
      return runs.items[0];
    });
    // The run follows the recipe its booking states (its limits and golden envelope while open, its report's default).
    expect(open).toMatchObject({ openedBy: 'auto', endedAt: null, recipe: 'SD-7' });
    dryer.setRunning(false);
    const stoppedAt = now();
    let observedAt = 0;
    const closed = await start.eventually('the run closed', async () => {
      const run = await ok<Run>(alice, 'GET', `/api/v1/runs/${open.id}`);
      observedAt = now();
      return run.endedAt === null ? undefined : run;
    });
    expect(closed.closedBy).toBe('auto');
    // The run ends when the condition turned false, not when the 2 s timeout fired.
    expect(closed.endedAt).toBeGreaterThanOrEqual(stoppedAt);
    expect(closed.endedAt).toBeLessThanOrEqual(observedAt - 2000);
    const booking = await ok<Booking>(alice, 'GET', `/api/v1/bookings/${first.id}`);
    expect(booking.bookedMinutes).toBe(60);
    expect(booking.measuredMinutes).toBeCloseTo(closed.minutes, 1);

    const audit = await ok<{ items: { action: string; actorEmail: string; entityId: string }[] }>(api.adminToken, 'GET', `/api/v1/audit?entity=run&entityId=${open.id}`);
    expect(audit.items.map((a) => `${a.action}/${a.actorEmail}`).sort()).toEqual(['run.close/system', 'run.open/system']);
  });

  it('lets an engineer correct the run (audited), so overage shows', async () => {
    const run = (await ok<{ items: Run[] }>(engineer, 'GET', `/api/v1/runs?booking=${first.id}`)).items[0]!;
    expect((await call(alice, 'PATCH', `/api/v1/runs/${run.id}`, { endedAt: iso(run.startedAt + 90 * MIN), note: 'x' })).status).toBe(403);
    const corrected = await ok<Run>(engineer, 'PATCH', `/api/v1/runs/${run.id}`, { endedAt: iso(run.startedAt + 90 * MIN), note: 'operator forgot the coil; log book says 90 min' });
    expect(corrected.minutes).toBe(90);
    const audit = await ok<{ items: { action: string; actorEmail: string; before: { ended_at: number }; after: { ended_at: number } }[] }>(api.adminToken, 'GET', `/api/v1/audit?action=run.correct&entityId=${run.id}`);
    expect(audit.items[0]).toMatchObject({ actorEmail: 'erin@operator.test', before: { ended_at: run.endedAt }, after: { ended_at: run.startedAt + 90 * MIN } });
  });

  it('completes a booking once it has ended with its runs closed', async () => {
    offset += 61 * MIN;
    expect((await ok<Booking>(alice, 'GET', `/api/v1/bookings/${first.id}`)).status).toBe('completed');
  });

  it('marks a booking without a run a no-show after the grace period and releases the slot when the rule says so', async () => {
    const t = now();
    const second = await ok<Booking>(alice, 'POST', '/api/v1/bookings', { equipmentId: 'dryer-1', startsAt: iso(t + 3 * HOUR), endsAt: iso(t + 4 * HOUR) });
    offset += 3 * HOUR + 20 * MIN; // inside the grace period: still approved
    expect((await ok<Booking>(alice, 'GET', `/api/v1/bookings/${second.id}`)).status).toBe('approved');
    expect((await call(bob, 'POST', '/api/v1/bookings', { equipmentId: 'dryer-1', startsAt: iso(now() + MIN), endsAt: iso(t + 4 * HOUR) })).status).toBe(409);
    offset += 11 * MIN;
    expect(await ok<Booking>(alice, 'GET', `/api/v1/bookings/${second.id}`)).toMatchObject({ status: 'no_show', slotReleased: true, measuredMinutes: 0 });
    expect((await call(bob, 'POST', '/api/v1/bookings', { equipmentId: 'dryer-1', startsAt: iso(now() + MIN), endsAt: iso(t + 4 * HOUR) })).status).toBe(201);

    await ok(api.adminToken, 'PATCH', '/api/v1/equipment/dryer-1', { noShowRelease: false });
    const u = now();
    const third = await ok<Booking>(alice, 'POST', '/api/v1/bookings', { equipmentId: 'dryer-1', startsAt: iso(u + HOUR), endsAt: iso(u + 2 * HOUR) });
    offset += HOUR + 31 * MIN;
    expect(await ok<Booking>(alice, 'GET', `/api/v1/bookings/${third.id}`)).toMatchObject({ status: 'no_show', slotReleased: false });
    const held = await call<{ conflict: { startsAt: number } }>(bob, 'POST', '/api/v1/bookings', { equipmentId: 'dryer-1', startsAt: iso(now() + MIN), endsAt: iso(u + 2 * HOUR) });
    expect(held.status).toBe(409);
    expect(held.body.conflict.startsAt).toBe(u + HOUR);
  });

  it('bills booked, used or the larger per organisation and month, as JSON and CSV', async () => {
    const usage = await ok<{ lines: unknown[]; total: number }>(alice, 'GET', '/api/v1/usage?month=2026-11');
    // three bookings of 60 min; 90 min used in the first (30 overage); two no-shows; 120/h external rate
    expect(usage.lines).toEqual([{ equipmentId: 'dryer-1', bookings: 3, bookedMinutes: 180, usedMinutes: 90, overageMinutes: 30, gapMinutes: 0, noShows: 2, billedMinutes: 210, rate: 120, policy: 'max', amount: 420 }]);
    expect(usage.total).toBe(420);
    await ok(api.adminToken, 'PATCH', '/api/v1/equipment/dryer-1', { billingPolicy: 'used' });
    expect((await ok<{ total: number }>(alice, 'GET', '/api/v1/usage?month=2026-11')).total).toBe(180);
    await ok(api.adminToken, 'PATCH', '/api/v1/equipment/dryer-1', { billingPolicy: 'booked' });
    expect((await ok<{ total: number }>(api.adminToken, 'GET', '/api/v1/usage?org=acme&month=2026-11')).total).toBe(360);
    const csv = await call(alice, 'GET', '/api/v1/usage.csv?month=2026-11');
    expect(csv.status).toBe(200);
    expect(csv.text.split('\n')[1]).toBe('acme,2026-11,dryer-1,3,180,90,30,0,2,180,booked,120,360');
    expect((await call(bob, 'GET', '/api/v1/usage?org=acme&month=2026-11')).status).toBe(404);
    expect((await call(alice, 'GET', '/api/v1/usage?month=2026-13')).status).toBe(400);
  });

  it('hands a run that goes on past its booking over to the next booking at its start', async () => {
    offset += 2 * HOUR; // past the held no-show slot
    const t = now();
    const mine = await ok<Booking>(alice, 'POST', '/api/v1/bookings', { equipmentId: 'dryer-1', startsAt: iso(t + MIN), endsAt: iso(t + 16 * MIN) });
    const theirs = await ok<Booking & { startsAt: number }>(bob, 'POST', '/api/v1/bookings', { equipmentId: 'dryer-1', startsAt: iso(t + 16 * MIN), endsAt: iso(t + 31 * MIN) });
    offset += 2 * MIN;
    dryer.setRunning(true);
    const aliceRun = await start.eventually("alice's run", async () => (await ok<{ items: Run[] }>(alice, 'GET', `/api/v1/runs?booking=${mine.id}`)).items[0]);
    offset += 15 * MIN;
    const bobRun = await start.eventually("bob's run", async () => (await ok<{ items: Run[] }>(bob, 'GET', `/api/v1/runs?booking=${theirs.id}`)).items[0]);
    expect(bobRun.startedAt).toBe(theirs.startsAt);
    expect((await ok<Run>(alice, 'GET', `/api/v1/runs/${aliceRun.id}`)).endedAt).toBe(theirs.startsAt);
    dryer.setRunning(false);
    await start.eventually("bob's run closed", async () => ((await ok<Run>(bob, 'GET', `/api/v1/runs/${bobRun.id}`)).endedAt ? true : undefined));
  });
});
