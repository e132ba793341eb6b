import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { topics } from '../common/contracts/index.js';
import { queryPoints } from '../common/influx/layout.js';
import { influxAuthFromEnv, InfluxV1Client } from '../common/influx/v1-client.js';
import { startPrivateInfluxd } from '../common/runtime/influxd.js';
import { broker, eventually, ingest, tempDir } from './helpers/pipeline.js';
import { teardown } from './helpers/teardown.js';

const ADMIN = { username: 'pilothub', password: 'influx-admin-password' };

/** An InfluxDB with authentication on, as an external one often is; its first user is created without credentials. */
async function securedInflux() {
  const server = await startPrivateInfluxd({ dataDir: tempDir('pilothub-influx-auth-'), authEnabled: true });
  teardown(() => server.stop());
  const res = await fetch(`${server.url}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE USER "${ADMIN.username}" WITH PASSWORD '${ADMIN.password}' WITH ALL PRIVILEGES` }) });
  expect(res.status).toBe(200);
  return server;
}

describe('InfluxDB with authentication on', () => {
  it('refuses wrong credentials at start with a clear error, and holds data while a user lacks the right to write', async () => {
    const server = await securedInflux();
    const anonymous = new InfluxV1Client(server.url, 'pilothub');
    await expect(anonymous.write('reading,equipment=x,parameter=p,site=s value=1 1')).rejects.toThrow(/401.*PILOTHUB_INFLUX_USERNAME/);
    const admin = new InfluxV1Client(server.url, 'pilothub', undefined, { auth: ADMIN });
    await admin.ensureDatabase();
    const mqttBroker = await broker();
    await expect(ingest({ mqttUrl: mqttBroker.url, influxUrl: server.url, influxAuth: { ...ADMIN, password: 'wrong' } })).rejects.toThrow(/401/);

    // An ordinary user with write rights on the database, as an administrator would set one up.
    await admin.query(`CREATE USER "writer" WITH PASSWORD 'writer-password'`, { method: 'POST' });
    await admin.query('GRANT WRITE ON "pilothub" TO "writer"', { method: 'POST' });
    const running = await ingest({ mqttUrl: mqttBroker.url, influxUrl: server.url, influxAuth: { username: 'writer', password: 'writer-password' }, clientId: 'ingest-auth' });
    const publisher = await mqtt.connectAsync(mqttBroker.url, { protocolVersion: 4 });
    teardown(() => publisher.endAsync(true));
    const publish = (seq: number, v: number, t: number) =>
      publisher.publishAsync(topics.data('hall-a', 'kiln-1'), JSON.stringify({ gateway: 'gw-test', seq, readings: [{ p: 'temp', v, t }] }), { qos: 1 });
    const stored = (from: number) => eventually(`readings from ${from}`, async () => {
      const points = await queryPoints(admin, { equipment: 'kiln-1', parameter: 'temp', from, to: from + 10_000 });
      return points.length ? points.map((p) => p.v) : undefined;
    });
    const t = Date.now();
    await publish(1, 905.5, t);
    expect(await stored(t)).toEqual([905.5]);

    // The right is revoked: InfluxDB answers 403, a state of the server, so the message is held, never dead-lettered.
    await admin.query('REVOKE ALL ON "pilothub" FROM "writer"', { method: 'POST' });
    await publish(2, 910.25, t + 20_000);
    const health = await eventually('a refused write', () => (running.health().status === 'degraded' ? running.health() : undefined));
    expect(health.detail).toContain('403');
    await admin.query('GRANT WRITE ON "pilothub" TO "writer"', { method: 'POST' });
    expect(await stored(t + 20_000)).toEqual([910.25]);
    expect(running.metrics.rejected.refused_by_influxdb).toBe(0);
  });

  it('takes a user and password, or a token, from the environment, and says which half of a pair is missing', () => {
    expect(influxAuthFromEnv({})).toBeUndefined();
    expect(influxAuthFromEnv({ PILOTHUB_INFLUX_USERNAME: 'u', PILOTHUB_INFLUX_PASSWORD: 'p' })).toEqual({ username: 'u', password: 'p' });
    expect(influxAuthFromEnv({ PILOTHUB_INFLUX_TOKEN: 'tok' })).toEqual({ token: 'tok' });
    expect(() => influxAuthFromEnv({ PILOTHUB_INFLUX_USERNAME: 'u' })).toThrow(/PILOTHUB_INFLUX_PASSWORD is missing/);
    expect(() => influxAuthFromEnv({ PILOTHUB_INFLUX_PASSWORD: 'p' })).toThrow(/PILOTHUB_INFLUX_USERNAME is missing/);
    expect(() => influxAuthFromEnv({ PILOTHUB_INFLUX_TOKEN: 't', PILOTHUB_INFLUX_USERNAME: 'u' })).toThrow(/not both/);
  });
});
