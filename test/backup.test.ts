import { copyFileSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { Manifest } from '../backup/manifest.js';
import { recordedGatewayConfig } from '../common/runtime/data-dir.js';
import { eventually, tempDir } from './helpers/servers.js';
import { EXAMPLE_GATEWAY_CONFIG } from './helpers/stack.js';
import { pilothub, startHubProcess, type HubProcess } from './helpers/hub-process.js';

const ADMIN = { email: 'admin@backup.test', password: 'backup-admin-password' };
const CUSTOMER = { email: 'customer@backup.test', password: 'customer password 1' };
const FIELD_GATEWAY = { username: 'gw-field', password: 'field-gateway-password-1' };

interface Session { apiUrl: string; token: string }
async function login(apiUrl: string, who: { email: string; password: string }): Promise<Session> {
  const res = await fetch(`${apiUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(who) });
  if (!res.ok) throw new Error(`login of ${who.email} failed: ${res.status} ${await res.text()}`);
  return { apiUrl, token: ((await res.json()) as { token: string }).token };
}
async function call<T>(s: Session, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${s.apiUrl}${path}`, {
    method, headers: { authorization: `Bearer ${s.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${await res.text()}`);
  return res.json() as Promise<T>;
}
const OWNER_ONLY_FILES = ['api/pilothub.db', 'broker/users.sqlite', 'secrets/mqtt-gw-hall-a.password', 'gateway-config/gateway.yaml'];
const OWNER_ONLY_DIRS = ['.', 'api', 'broker', 'secrets', 'gateway-config'];
const modeOf = (path: string) => {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat ? (stat.mode & 0o777).toString(8) : 'missing';
};
const iso = (t: number) => new Date(t).toISOString();

/** True when the broker accepts these credentials (CONNACK 0), false when it refuses them. */
async function mqttAccepts(url: string, username: string, password: string): Promise<boolean> {
  try {
    const client = await mqtt.connectAsync(url, { username, password, reconnectPeriod: 0, connectTimeout: 10_000 });
    await client.endAsync();
    return true;
  } catch {
    return false;
  }
}

describe('pilothub backup and restore: a running hub comes back whole', () => {
  const source = tempDir('pilothub-bk-src-');
  const configDir = tempDir('pilothub-bk-cfg-');
  const backup = join(tempDir('pilothub-bk-'), 'backup');
  const restored = join(tempDir('pilothub-bk-dst-'), 'data');
  const configFile = join(configDir, 'gateway.yaml');
  const before = { history: [] as unknown[], runId: '', bookingId: '', reportId: '', reportSha: '', customerId: '' };
  let hub: HubProcess;
  let admin: Session;
  let manifest: Manifest;
  const restoredModes = new Map<string, string>();
  let recordedAfterRestore: string | undefined;

  beforeAll(async () => {
    copyFileSync(EXAMPLE_GATEWAY_CONFIG, configFile);
    const original = await startHubProcess({ PILOTHUB_DATA_DIR: source, PILOTHUB_GATEWAY_CONFIG: configFile, PILOTHUB_ADMIN_EMAIL: ADMIN.email, PILOTHUB_ADMIN_PASSWORD: ADMIN.password });
    admin = await login(original.apiUrl, ADMIN);
    const runFrom = await eventually('dryer-1 readings', async () => {
      const h = await call<{ points: { t: number }[] }>(admin, 'GET', '/api/v1/equipment/dryer-1/history?parameter=inlet_temp');
      return h.points.length >= 3 ? h.points[0]!.t : undefined;
    }, 60_000);
    await call(admin, 'POST', '/api/v1/orgs', { id: 'acme', name: 'Acme' });
    before.customerId = (await call<{ id: string }>(admin, 'POST', '/api/v1/users', { ...CUSTOMER, name: 'Customer', role: 'customer', orgId: 'acme' })).id;
    await call(admin, 'PATCH', '/api/v1/equipment/dryer-1', { bookable: true, leadTimeMin: 0, minBookingMin: 1, workingHours: null, multiDay: true });
    const customer = await login(original.apiUrl, CUSTOMER);
    before.bookingId = (await call<{ id: string }>(customer, 'POST', '/api/v1/bookings', { equipmentId: 'dryer-1', startsAt: iso(Date.now() + 3_600_000), endsAt: iso(Date.now() + 7_200_000) })).id;
    // Ten seconds of 1 Hz polling: at least three points even when a loaded machine delays a poll.
    const runTo = runFrom + 10_000;
    await eventually('the run window stored', async () => {
      const h = await call<{ points: { t: number }[] }>(admin, 'GET', `/api/v1/equipment/dryer-1/history?parameter=inlet_temp&from=${iso(runTo)}`);
      return h.points.length > 0 ? true : undefined;
    }, 30_000);
    before.runId = (await call<{ id: string }>(admin, 'POST', '/api/v1/runs', { equipmentId: 'dryer-1', startedAt: iso(runFrom) })).id;
    await call(admin, 'POST', `/api/v1/runs/${before.runId}/close`, { endedAt: iso(runTo) });
    const report = await call<{ id: string; dataSha256: string; pointCount: number }>(admin, 'POST', '/api/v1/reports', { runId: before.runId, method: 'backup round trip' });
    expect(report.pointCount).toBeGreaterThan(0);
    Object.assign(before, { reportId: report.id, reportSha: report.dataSha256 });
    before.history = (await call<{ points: unknown[] }>(admin, 'GET', `/api/v1/equipment/dryer-1/history?parameter=inlet_temp&from=${iso(runFrom)}&to=${iso(runTo)}`)).points;
    // An account made by hand, as for a gateway on another machine: only the broker's user store knows its password.
    const added = await pilothub(['user', 'add', FIELD_GATEWAY.username, '--role', 'gateway', '--site', 'field', '--equipment', 'pump-1', '--password-stdin', '--data-dir', source], {}, FIELD_GATEWAY.password);
    expect(added.stderr).toBe('');

    // While the hub runs: that is when operators back up. Without PILOTHUB_GATEWAY_CONFIG, as from cron: the hub noted its own.
    const result = await pilothub(['backup', '--to', backup], { PILOTHUB_DATA_DIR: source });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    await original.stop();
    manifest = Manifest.parse(JSON.parse(readFileSync(join(backup, 'manifest.json'), 'utf8')));

    const restore = await pilothub(['restore', '--from', backup, '--data-dir', restored]);
    expect(restore.stderr).toBe('');
    expect(restore.status).toBe(0);
    // Read before the restored hub starts, since `pilothub start` itself tightens what it finds readable and notes its config.
    for (const path of [...OWNER_ONLY_FILES, ...OWNER_ONLY_DIRS]) restoredModes.set(path, modeOf(join(restored, path)));
    recordedAfterRestore = recordedGatewayConfig(restored);
    // The same first-admin settings: they apply only to an empty user store, which a restored one is not.
    hub = await startHubProcess({ PILOTHUB_DATA_DIR: restored, PILOTHUB_GATEWAY_CONFIG: join(restored, 'gateway-config', 'gateway.yaml'), PILOTHUB_ADMIN_EMAIL: ADMIN.email, PILOTHUB_ADMIN_PASSWORD: ADMIN.password });
    admin = await login(hub.apiUrl, ADMIN);
  }, 300_000);

  it('writes a manifest with version, schema versions, and size and sha256 of every file, the SQLite stores included', () => {
    expect(manifest.pilothubVersion).toBe(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
    expect(manifest.influx).toMatchObject({ kind: 'private', dir: 'influxdb' });
    expect(manifest.schemaVersions['data/api/pilothub.db']?.map((m) => m.version)).toContain(51);
    const paths = manifest.files.map((f) => f.path);
    for (const path of ['data/api/pilothub.db', 'data/broker/users.sqlite', 'data/broker/sessions.sqlite', 'data/gateway/outbox-gw-hall-a.sqlite', 'data/secrets/mqtt-gw-hall-a.password', 'gateway-config/gateway.yaml']) {
      expect(paths).toContain(path);
    }
    expect(paths.some((p) => p.startsWith('influxdb/') && p.endsWith('.manifest'))).toBe(true);
    expect(paths.filter((p) => /-(wal|shm)$/.test(p) || p.startsWith('data/influxdb/'))).toEqual([]);
    // The backup holds password hashes and MQTT passwords: owner-only, like the data dir.
    expect(paths.filter((p) => modeOf(join(backup, p)) !== '600')).toEqual([]);
  });

  it('brings back the readings', async () => {
    expect(before.history.length).toBeGreaterThanOrEqual(3);
    const [first, last] = [before.history[0] as { t: number }, before.history.at(-1) as { t: number }];
    const history = await call<{ points: unknown[] }>(admin, 'GET', `/api/v1/equipment/dryer-1/history?parameter=inlet_temp&from=${iso(first.t)}&to=${iso(last.t + 1)}`);
    expect(history.points).toEqual(before.history);
  });

  it('brings back people, bookings and runs', async () => {
    const customer = await login(hub.apiUrl, CUSTOMER);
    expect((await call<{ id: string }>(customer, 'GET', `/api/v1/users/${before.customerId}`)).id).toBe(before.customerId);
    expect(await call(customer, 'GET', `/api/v1/bookings/${before.bookingId}`)).toMatchObject({ id: before.bookingId, equipmentId: 'dryer-1', orgId: 'acme' });
    expect(await call(admin, 'GET', `/api/v1/runs/${before.runId}`)).toMatchObject({ id: before.runId, equipmentId: 'dryer-1' });
  });

  it('brings back the report, and its verify against the restored InfluxDB still answers match', async () => {
    expect(await call(admin, 'GET', `/api/v1/reports/${before.reportId}`)).toMatchObject({ id: before.reportId, integrity: { sha256: before.reportSha } });
    expect(await call(admin, 'GET', `/api/v1/reports/${before.reportId}/verify`)).toMatchObject({ result: 'match' });
  });

  it('brings back MQTT accounts: a gateway account still authenticates at the restored broker', async () => {
    expect(await mqttAccepts(hub.mqttUrl, FIELD_GATEWAY.username, 'not-the-password-at-all')).toBe(false);
    expect(await mqttAccepts(hub.mqttUrl, FIELD_GATEWAY.username, FIELD_GATEWAY.password)).toBe(true);
    expect(readFileSync(join(restored, 'secrets', 'mqtt-gw-hall-a.password'), 'utf8')).toBe(readFileSync(join(source, 'secrets', 'mqtt-gw-hall-a.password'), 'utf8'));
  });

  it('takes the gateway config the hub runs, without being told, and restores it where the restored data dir notes it', () => {
    expect(manifest.gatewayConfig).toEqual({ originalPath: configFile, path: 'gateway-config/gateway.yaml' });
    expect(readFileSync(join(restored, 'gateway-config', 'gateway.yaml'), 'utf8')).toBe(readFileSync(configFile, 'utf8'));
    expect(recordedAfterRestore).toBe(join(restored, 'gateway-config', 'gateway.yaml'));
  });

  it('restores files owner-only (0600) in owner-only folders (0700)', () => {
    for (const path of OWNER_ONLY_FILES) expect(restoredModes.get(path), path).toBe('600');
    for (const path of OWNER_ONLY_DIRS) expect(restoredModes.get(path), path).toBe('700');
  });

  describe('refuses, before writing anything', () => {
    const damaged = (name: string, damage: (dir: string) => void) => {
      const dir = join(tempDir(`pilothub-bk-${name}-`), 'backup');
      cpSync(backup, dir, { recursive: true });
      damage(dir);
      return dir;
    };
    const refused = async (from: string) => {
      const target = join(tempDir('pilothub-bk-refused-'), 'data');
      const result = await pilothub(['restore', '--from', from, '--data-dir', target]);
      expect(result.status).toBe(1);
      expect(existsSync(target)).toBe(false);
      return result.stderr;
    };

    it('a backup with one changed byte, naming the file', async () => {
      const dir = damaged('byte', (d) => {
        const file = join(d, 'data', 'api', 'pilothub.db');
        const bytes = readFileSync(file);
        bytes.writeUInt8(bytes.readUInt8(bytes.length - 100) ^ 0x01, bytes.length - 100);
        writeFileSync(file, bytes);
      });
      expect(await refused(dir)).toMatch(new RegExp(`${join(dir, 'data/api/pilothub.db')} is damaged: its sha256 is`));
    });

    it('a backup with a missing file, naming it', async () => {
      const dir = damaged('missing', (d) => unlinkSync(join(d, 'data', 'broker', 'users.sqlite')));
      expect(await refused(dir)).toContain(`${join(dir, 'data/broker/users.sqlite')} is missing`);
    });

    it('a manifest that does not parse, naming it', async () => {
      const dir = damaged('manifest', (d) => writeFileSync(join(d, 'manifest.json'), '{"format": "pilothub-backup", '));
      expect(await refused(dir)).toContain(`${join(dir, 'manifest.json')} does not parse as JSON`);
    });

    it('a data dir that is not empty', async () => {
      const target = tempDir('pilothub-bk-full-');
      writeFileSync(join(target, 'keep.txt'), 'of another hub');
      const result = await pilothub(['restore', '--from', backup, '--data-dir', target]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`data dir ${target} is not empty`);
      expect(readdirSync(target)).toEqual(['keep.txt']);
      rmSync(join(target, 'keep.txt'));
    });
  });
});
