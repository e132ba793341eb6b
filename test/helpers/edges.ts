import { join } from 'node:path';
import mqtt from 'mqtt';
import { expect } from 'vitest';
import type { Account } from '../../broker/accounts.js';
import type { RunningBroker } from '../../broker/broker.js';
import { UserStore } from '../../broker/user-store.js';
import type { ReadingBatch } from '../../common/contracts/index.js';
import type { InfluxV1Client } from '../../common/influx/v1-client.js';
import { tempDir } from './pipeline.js';
import { tcpRelay } from './tcp-relay.js';
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

/** The broker behind a TCP relay, for a client whose connection the test cuts; `url` is the relay's. */
export async function relayedBroker(brokerUrl: string) {
  const relay = await tcpRelay(Number(new URL(brokerUrl).port));
  return { ...relay, url: `mqtt://127.0.0.1:${relay.port}` };
}

/** A gateway's account with none of the tests' equipment: as a consumer's, it may subscribe to nothing it reads. */
export const withoutReadRights = (username: string): Account => ({ username, role: 'gateway', site: 'hall-a', gateway: 'gw-x', equipment: ['press-x'] });

/**
 * Gives an account new rights while its client is connected through `relay`, then cuts the relay: the broker checks
 * rights only at CONNECT, so the client's reconnect is what meets them.
 */
export async function reconnectWithRights(users: UserStore, relay: { cut(): void }, account: Account): Promise<void> {
  await users.set(account, PASSWORD);
  relay.cut();
}

/** After a failed start: mqtt.js reconnects every second, so a client left behind would be back within 1.5 s. */
export async function expectNoClientBack(broker: RunningBroker): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(broker.aedes.connectedClients).toBe(0);
}
