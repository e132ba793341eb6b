import { join } from 'node:path';
import mqtt from 'mqtt';
import { topics, type Birth } from '../common/contracts/index.js';
import * as start from './helpers/servers.js';

export const SITE = 'hall-s';
export const HOUR = 3_600_000;
export const MIN = 60_000;
export const DAY = 86_400_000;

/** A clock the test moves by hand: lead times, grace periods and expiry without sleeping. */
export function testClock(start = Date.UTC(2026, 10, 23, 8, 0, 0)) {
  let t = start;
  return { now: () => t, set: (v: number) => { t = v; }, advance: (ms: number) => { t += ms; } };
}

export interface Reply<T = unknown> { status: number; body: T; text: string }

/**
 * A real broker, influxd and API (real HTTP, real SQLite) with a hand-moved clock, plus helpers to call
 * the API as different people. Equipment is announced with a real retained birth on the broker.
 */
export async function sharingStack(options: { clock?: ReturnType<typeof testClock>; trackerTickMs?: number; timeZone?: string } & Pick<start.ApiOptionsForTests, 'alarms' | 'notifications'> = {}) {
  const clock = options.clock ?? testClock();
  const influx = await start.influxd();
  await influx.client.ensureDatabase();
  const broker = await start.broker();
  // Its SQLite file is the one the API uses: a test may put in records no HTTP route makes (an alarm the engine would raise).
  const dataDir = start.tempDir('pilothub-api-');
  const api = await start.api({ dataDir, mqttUrl: broker.url, influxUrl: influx.url, now: clock.now, trackerTickMs: options.trackerTickMs, timeZone: options.timeZone, alarms: options.alarms, notifications: options.notifications });

  const call = async <T = any>(token: string | null, method: string, path: string, body?: unknown): Promise<Reply<T>> => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${api.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = JSON.parse(text); } catch { /* CSV, iCal */ }
    return { status: res.status, body: parsed as T, text };
  };
  const ok = async <T = any>(token: string, method: string, path: string, body?: unknown, expected = [200, 201]): Promise<T> => {
    const r = await call<T>(token, method, path, body);
    if (!expected.includes(r.status)) throw new Error(`${method} ${path} -> ${r.status}: ${r.text}`);
    return r.body;
  };

  // An API key, not a session: it survives the clock jumping past the 7-day session lifetime.
  const admin = (await ok<{ key: string }>(api.adminToken, 'POST', '/api/v1/api-keys', { name: 'test admin' })).key;
  let users = 0;
  const org = async (id: string) => ok(admin, 'POST', '/api/v1/orgs', { id, name: `Org ${id}` });
  const user = async (role: 'admin' | 'engineer' | 'customer' | 'viewer', orgId: string, name = `${role}-${orgId}-${++users}`) => {
    const email = `${name}@pilothub.test`;
    const created = await ok<{ id: string }>(admin, 'POST', '/api/v1/users', { email, name, role, orgId, password: 'correct horse battery' });
    const session = await ok<{ token: string }>('', 'POST', '/api/v1/auth/login', { email, password: 'correct horse battery' });
    return { id: created.id, email, token: session.token, orgId, role };
  };

  const announce = async (equipment: string, parameters: Birth['parameters'] = [{ id: 'running', name: 'Running', unit: '', datatype: 'boolean' }]) => {
    const birth: Birth = { gateway: 'gw-s', equipment: { id: equipment, name: `Test ${equipment}`, kind: 'test', protocol: 'modbus' }, parameters, t: Date.now() };
    const client = await mqtt.connectAsync(broker.url);
    await client.publishAsync(topics.birth(SITE, equipment), JSON.stringify(birth), { qos: 1, retain: true });
    await client.endAsync();
    await start.eventually(`${equipment} registered`, async () => ((await call(admin, 'GET', `/api/v1/equipment/${equipment}`)).status === 200 ? true : undefined));
  };

  const iso = (t: number) => new Date(t).toISOString();
  return { clock, influx, broker, api, dbFile: join(dataDir, 'pilothub.db'), call, ok, admin, org, user, announce, iso };
}
