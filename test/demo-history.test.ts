import { describe, expect, it } from 'vitest';
import { ReadingBatch } from '../common/contracts/index.js';
import { demoHistory } from '../demo/history.js';
import { loadGatewayConfig } from '../gateway/config.js';
import { eventually, tempDir } from './helpers/servers.js';
import { startHubProcess } from './helpers/hub-process.js';
import { EXAMPLE_GATEWAY_CONFIG } from './helpers/stack.js';

const ADMIN = { email: 'admin@history.test', password: 'history-admin-password' };
const HOURS = 3;
const HOUR = 3_600_000;

interface Run { id: string; equipmentId: string; bookingId: string | null; orgId: string | null; openedBy: string; closedBy: string | null; startedAt: number; endedAt: number | null }
interface Point { t: number; v: number | boolean | string | null }

describe('the demo history\'s readings', () => {
  it('are exactly the example gateway config\'s parameters, of their declared datatypes, in valid batches, following the campaign', () => {
    const config = loadGatewayConfig(EXAMPLE_GATEWAY_CONFIG);
    const to = Date.now();
    const seen = new Map<string, Map<string, Set<unknown>>>();
    for (const tick of demoHistory(config, to - 15 * 60_000, to)) {
      for (const [equipment, readings] of tick.readings) {
        ReadingBatch.parse({ gateway: config.gateway.id, seq: 0, readings });
        const params = seen.get(equipment) ?? new Map<string, Set<unknown>>();
        for (const r of readings) params.set(r.p, (params.get(r.p) ?? new Set()).add(r.v));
        seen.set(equipment, params);
      }
    }
    expect([...seen.keys()].sort()).toEqual(config.devices.map((d) => d.id).sort());
    for (const device of config.devices) {
      const params = seen.get(device.id)!;
      expect([...params.keys()].sort(), device.id).toEqual(device.parameters.map((p) => p.id).sort());
      for (const p of device.parameters) {
        const declared = 'datatype' in p ? p.datatype : p.type === 'bool' || p.type === 'bit' ? 'boolean' : p.type === 'string' ? 'string' : 'number';
        expect([...params.get(p.id)!].map((v) => typeof v), `${device.id} ${p.id}`).toContain(declared);
        expect(new Set([...params.get(p.id)!].map((v) => typeof v)).size, `${device.id} ${p.id}`).toBe(1);
      }
    }
    // 15 minutes hold a dryer on/off cycle and a whole reactor batch.
    expect([...seen.get('dryer-1')!.get('running')!].sort()).toEqual([false, true]);
    expect([...seen.get('reactor-1')!.get('batch_state')!]).toEqual(expect.arrayContaining(['charge', 'heat', 'react', 'cool', 'discharge', 'idle']));
  });
});

/**
 * Issue 15: the first demo start fills in past hours of history through the normal write path (readings published as
 * the gateway's late batches, so ingest writes them and their rollups) with the bookings and runs that data shows.
 * A 3 h window instead of the default 24 h keeps the test short; the story is the same, scaled.
 */
describe('pilothub start in demo mode, first start: the history', () => {
  it('has readings across the window, closed runs of the demo customer\'s bookings that match the data, and a report of one', { timeout: 300_000 }, async () => {
    const started = Date.now();
    const hub = await startHubProcess({
      PILOTHUB_DATA_DIR: tempDir('pilothub-history-'), PILOTHUB_DEMO: 'true', PILOTHUB_DEMO_HISTORY_HOURS: String(HOURS),
      PILOTHUB_ADMIN_EMAIL: ADMIN.email, PILOTHUB_ADMIN_PASSWORD: ADMIN.password,
    });
    expect(hub.output.join('\n')).toContain(`the past ${HOURS} h of readings, bookings and runs are being filled in the background`);
    const login = await fetch(`${hub.apiUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    expect(login.status).toBe(200);
    const headers = { authorization: `Bearer ${((await login.json()) as { token: string }).token}`, 'content-type': 'application/json' };
    const get = async <T>(path: string) => {
      const answer = await fetch(`${hub.apiUrl}${path}`, { headers });
      expect(answer.status, path).toBe(200);
      return answer.json() as Promise<T>;
    };
    const from = new Date(started - HOURS * HOUR).toISOString();
    const to = new Date(started).toISOString();

    // The runs are recorded once the broker has acknowledged every reading: their arrival says the history is sent.
    const past = await eventually('closed runs of the history', async () => {
      const runs = (await get<{ items: Run[] }>(`/api/v1/runs?from=${from}&to=${to}`)).items.filter((r) => r.endedAt !== null && r.endedAt < started);
      return runs.some((r) => r.equipmentId === 'reactor-1') ? runs : undefined;
    }, 240_000);
    const customerRuns = past.filter((r) => r.equipmentId === 'dryer-1' && r.orgId === 'demo-materials').sort((a, b) => a.startedAt - b.startedAt);
    expect(customerRuns.length).toBeGreaterThanOrEqual(2);
    expect(past.filter((r) => r.equipmentId === 'reactor-1' && r.orgId === 'operator').length).toBeGreaterThanOrEqual(2);
    for (const run of past) expect([run.bookingId !== null, run.openedBy, run.closedBy]).toEqual([true, 'auto', 'auto']);
    const booking = await get<{ orgId: string; equipmentId: string }>(`/api/v1/bookings/${customerRuns[0]!.bookingId}`);
    expect([booking.orgId, booking.equipmentId]).toEqual(['demo-materials', 'dryer-1']);

    // Readings across the whole window, in plot mode (rollups) and raw. The runs come once the broker has every
    // message; ingest may still be writing the newest ones (seen on a loaded CI machine): wait for the window's end.
    const buckets = await eventually('plot buckets up to the end of the history', async () => {
      const plot = await get<{ series: { buckets: { t: number; min: number; max: number }[] }[] }>(
        `/api/v1/equipment/dryer-1/history?parameter=outlet_temp&mode=plot&maxPoints=200&from=${from}&to=${to}`);
      const found = plot.series[0]!.buckets;
      return found.length && found.at(-1)!.t > started - 0.1 * HOURS * HOUR ? found : undefined;
    }, 120_000);
    expect(buckets.length).toBeGreaterThan(80);
    expect(buckets[0]!.t).toBeLessThan(started - HOURS * HOUR + 0.1 * HOURS * HOUR);
    expect(Math.max(...buckets.map((b) => b.max))).toBeGreaterThan(80);
    expect(Math.min(...buckets.map((b) => b.min))).toBeLessThan(40);

    // The runs are where the run condition held: "running" turned true at the start and false at the end (the
    // second run of a booking: the first may begin with the booking while the dryer already runs).
    const run = customerRuns[1]!;
    expect(run.bookingId).toBe(customerRuns[0]!.bookingId);
    const raw = await get<{ points: Point[] }>(`/api/v1/equipment/dryer-1/history?parameter=running&from=${new Date(run.startedAt - 5000).toISOString()}&to=${new Date(run.endedAt! + 5000).toISOString()}`);
    const at = (t: number) => raw.points.filter((p) => p.t <= t).at(-1)?.v;
    expect([at(run.startedAt - 1), at(run.startedAt), at(run.endedAt! - 1), at(run.endedAt!)]).toEqual([false, true, true, false]);
    expect(run.endedAt! - run.startedAt).toBeGreaterThan(3 * 60_000);

    // A report of one of the customer's past runs, issued and verified against the stored data.
    const issued = await fetch(`${hub.apiUrl}/api/v1/reports`, { method: 'POST', headers, body: JSON.stringify({ runId: run.id, method: 'Demo history: spray-drying trial' }) });
    expect(issued.status, await issued.clone().text()).toBe(201);
    const report = (await issued.json()) as { id: string; pointCount: number };
    expect(report.pointCount).toBeGreaterThan(1000);
    expect((await get<{ result: string }>(`/api/v1/reports/${report.id}/verify`)).result).toBe('match');
    expect(await hub.stop()).toBe(0);
  });
});
