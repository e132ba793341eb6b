import { join } from 'node:path';
import mqtt from 'mqtt';
import type { Account } from '../../broker/accounts.js';
import { UserStore } from '../../broker/user-store.js';
import type { ReadingBatch } from '../../common/contracts/index.js';
import type { InfluxV1Client } from '../../common/influx/v1-client.js';
import { tempDir } from './pipeline.js';
import { teardown } from './teardown.js';

/** Shared by the ingest/broker edge tests (issue #12): accounts, clients and what InfluxDB holds. */
export const PASSWORD = 'edge-test-password';

export async function userStore(accounts: Account[]): Promise<UserStore> {
  const users = new UserStore(join(tempDir(), 'users.sqlite'));
  teardown(() => users.close());
  for (const account of accounts) await users.set(account, PASSWORD);
  return users;
}

export async function client(url: string, username: string | undefined, options: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  const c = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, username, password: username ? PASSWORD : undefined, ...options });
  teardown(() => c.endAsync(true));
  return c;
}

export const batch = (gateway: string, seq: number, readings: ReadingBatch['readings']): string => JSON.stringify({ gateway, seq, readings });

/** The stored readings of one equipment as `parameter@t=value (gateway)`, sorted. */
export async function stored(influx: InfluxV1Client, equipment: string): Promise<{ t: number; value: unknown; gateway: string; parameter: string }[]> {
  const [series] = await influx.query(`SELECT "value","gateway","parameter" FROM "reading" WHERE "equipment" = '${equipment}'`);
  if (!series) return [];
  const [it, iv, ig, ip] = ['time', 'value', 'gateway', 'parameter'].map((c) => series.columns.indexOf(c)) as [number, number, number, number];
  return series.values.map((row) => ({ t: row[it] as number, value: row[iv], gateway: row[ig] as string, parameter: row[ip] as string }));
}

/** A metric's value from a Prometheus text page, summed over the label sets that contain `labels` (e.g. `client_id="x"`). */
export async function metric(url: string, name: string, labels = ''): Promise<number | undefined> {
  const text = await (await fetch(url)).text();
  const values = [...text.matchAll(/^(\w+)(\{[^}]*\})? (\S+)$/gm)]
    .filter((m) => m[1] === name && (m[2] ?? '').includes(labels))
    .map((m) => Number(m[3]));
  return values.length ? values.reduce((a, b) => a + b, 0) : undefined;
}
