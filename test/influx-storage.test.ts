import { describe, expect, it } from 'vitest';
import { influxStorageFromEnv, InfluxV1Client } from '../common/influx/v1-client.js';
import { dryerGatewayYaml } from './helpers/gateway-yaml.js';
import { api, broker, eventually, gateway, influxd, ingest, sprayDryer } from './helpers/servers.js';

interface History { points: { t: number; v: unknown }[] }

/** Issue #18: an InfluxDB the operator runs, with a database and a retention policy of their own naming. */
describe('pilothub on an operator\'s InfluxDB database and retention policy', () => {
  it('writes into the named policy, reads history back from it, and leaves the default policy empty', async () => {
    const server = await influxd();
    const admin = new InfluxV1Client(server.url, 'plant_a');
    await admin.query('CREATE DATABASE "plant_a"', { method: 'POST' });
    // Not the database's default: a write or query without rp= would land in autogen, which the test checks stays empty.
    await admin.query('CREATE RETENTION POLICY "two_years" ON "plant_a" DURATION 104w REPLICATION 1', { method: 'POST' });
    const storage = { database: 'plant_a', retentionPolicy: 'two_years' };

    const mqttBroker = await broker();
    await ingest({ mqttUrl: mqttBroker.url, influxUrl: server.url, ...storage, clientId: 'ingest-storage' });
    const hub = await api({ mqttUrl: mqttBroker.url, influxUrl: server.url, ...storage });
    const dryer = await sprayDryer();
    await gateway(dryerGatewayYaml({ gateway: 'gw-storage', site: 'hall-s', device: 'dryer-1', mqttUrl: mqttBroker.url, dryerPort: dryer.port,
      parameters: ['{ id: inlet_temp, name: Inlet temperature, unit: °C, table: input, address: 0, type: float32 }'] }), {});

    const from = new Date(Date.now() - 60_000).toISOString();
    const history = await eventually('history read back through the API', async () => {
      const res = await hub.fetch(`/api/v1/equipment/dryer-1/history?parameter=inlet_temp&from=${from}`);
      if (!res.ok) return undefined;
      const body = await res.json() as History;
      return body.points.length >= 3 ? body : undefined;
    });
    expect(typeof history.points[0]!.v).toBe('number');
    const inPolicy = await admin.query('SELECT count("value") FROM "plant_a"."two_years"."reading"');
    expect(Number(inPolicy[0]?.values[0]?.[1])).toBeGreaterThanOrEqual(3);
    const inDefault = await admin.query('SELECT count("value") FROM "plant_a"."autogen"."reading"');
    expect(inDefault).toEqual([]);
  });

  it('refuses a retention policy the database does not have, naming it and the fix, before anything is consumed', async () => {
    const server = await influxd();
    const mqttBroker = await broker();
    await expect(ingest({ mqttUrl: mqttBroker.url, influxUrl: server.url, database: 'plant_b', retentionPolicy: 'ten_years' }))
      .rejects.toThrow(/PILOTHUB_INFLUX_RETENTION_POLICY="ten_years": database "plant_b" has no such retention policy \(it has "autogen"\); create it/);
  });

  it('reads the names from the environment and refuses one that could break out of a quoted name', () => {
    expect(influxStorageFromEnv({})).toEqual({ database: 'pilothub' });
    expect(influxStorageFromEnv({ PILOTHUB_INFLUX_DATABASE: 'plant_a', PILOTHUB_INFLUX_RETENTION_POLICY: 'two_years' })).toEqual({ database: 'plant_a', retentionPolicy: 'two_years' });
    expect(() => influxStorageFromEnv({ PILOTHUB_INFLUX_DATABASE: 'a"; DROP DATABASE "b' })).toThrow(/PILOTHUB_INFLUX_DATABASE="a"; DROP DATABASE "b" is not a name pilothub uses/);
  });
});
