import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { UserStore } from '../broker/user-store.js';
import { freePort } from '../common/runtime/ports.js';
import { eventually, tempDir } from './helpers/pipeline.js';
import { teardown } from './helpers/teardown.js';

/** The SUBACK return codes; mqtt.js rejects a SUBACK holding a failure, with the packet attached. */
async function suback(client: mqtt.MqttClient, filters: string[]): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filters, { qos: 1 })).map((g) => g.qos);
  } catch (err) {
    return (err as { packet: { granted: number[] } }).packet.granted;
  }
}

const PASSWORDS = { gw: 'gateway-password-1', ingest: 'ingest-password-1' };

describe('broker security', () => {
  let broker: RunningBroker;
  let url: string;
  let ca: Buffer;
  const clients: mqtt.MqttClient[] = [];
  const connect = async (options: mqtt.IClientOptions, target = url) => {
    const client = await mqtt.connectAsync(target, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options });
    clients.push(client);
    return client;
  };
  const refusal = (options: mqtt.IClientOptions) => connect(options).then(() => 'connected', (err: Error & { code?: number }) => err.code ?? err.message);

  beforeAll(async () => {
    const dir = tempDir();
    const users = new UserStore(join(dir, 'users.sqlite'));
    teardown(() => users.close());
    await users.set({ username: 'gw-a', role: 'gateway', site: 'hall-a', gateway: 'gw-a', equipment: ['dryer-1'] }, PASSWORDS.gw);
    await users.set({ username: 'ingest', role: 'ingest' }, PASSWORDS.ingest);
    // A self-signed certificate for 127.0.0.1, made here so the test needs no fixture files.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    ca = readFileSync(join(dir, 'cert.pem'));
    broker = await startBroker({ port: await freePort(), users, tls: { port: await freePort(), certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } });
    teardown(async () => {
      await Promise.all(clients.map((c) => c.endAsync(true)));
      await broker.stop();
    });
    url = `mqtt://127.0.0.1:${broker.port}`;
  });

  it('refuses anonymous clients and wrong passwords, accepts a known account', async () => {
    expect(await refusal({ clientId: 'anon' })).toBe(5);
    expect(await refusal({ clientId: 'bad-pw', username: 'gw-a', password: 'not-the-password' })).toBe(4);
    expect(await refusal({ clientId: 'nobody', username: 'nobody', password: PASSWORDS.gw })).toBe(4);
    expect(await refusal({ clientId: 'gw-a', username: 'gw-a', password: PASSWORDS.gw })).toBe('connected');
  });

  it('delivers what a gateway may publish and drops the connection of one that writes elsewhere', async () => {
    const ingest = await connect({ clientId: 'ingest-sec', username: 'ingest', password: PASSWORDS.ingest });
    const received: string[] = [];
    ingest.on('message', (topic) => received.push(topic));
    await ingest.subscribeAsync('pilothub/v1/#', { qos: 1 });

    const gw = await connect({ clientId: 'gw-a-pub', username: 'gw-a', password: PASSWORDS.gw });
    await gw.publishAsync('pilothub/v1/hall-a/dryer-1/data', '{}', { qos: 1 });
    const closed = new Promise<void>((resolve) => gw.once('close', () => resolve()));
    gw.publish('pilothub/v1/hall-b/dryer-1/data', '{}', { qos: 1 });
    await closed;
    const gw2 = await connect({ clientId: 'gw-a-pub2', username: 'gw-a', password: PASSWORDS.gw });
    await gw2.publishAsync('pilothub/v1/hall-a/dryer-1/birth', '{}', { qos: 1, retain: true });
    await eventually('the allowed messages', () => (received.length >= 2 ? true : undefined));
    expect(received).toEqual(['pilothub/v1/hall-a/dryer-1/data', 'pilothub/v1/hall-a/dryer-1/birth']);
  });

  it('refuses subscriptions outside an account\'s rights in SUBACK', async () => {
    const ingest = await connect({ clientId: 'ingest-sub', username: 'ingest', password: PASSWORDS.ingest });
    expect(await suback(ingest, ['pilothub/v1/+/+/data', '#', '$SYS/#'])).toEqual([1, 128, 128]);
    const gw = await connect({ clientId: 'gw-a-sub', username: 'gw-a', password: PASSWORDS.gw });
    expect(await suback(gw, ['pilothub/v1/+/+/data'])).toEqual([128]);
  });

  it('refuses a gateway whose will would publish someone else\'s status', async () => {
    const will = { topic: 'pilothub/v1/hall-a/gateway/gw-b/status', payload: Buffer.from('{}'), qos: 1 as const, retain: true };
    expect(await refusal({ clientId: 'gw-a-will', username: 'gw-a', password: PASSWORDS.gw, will })).toBe(5);
  });

  it('serves TLS on its own port with the same accounts', async () => {
    const tlsUrl = `mqtts://127.0.0.1:${broker.tlsPort}`;
    const client = await connect({ clientId: 'tls-ingest', username: 'ingest', password: PASSWORDS.ingest, ca }, tlsUrl);
    expect(client.connected).toBe(true);
    await expect(connect({ clientId: 'tls-untrusted', username: 'ingest', password: PASSWORDS.ingest }, tlsUrl)).rejects.toThrow(/self.signed|certificate/i);
    expect(await connect({ clientId: 'tls-anon', ca }, tlsUrl).then(() => 'connected', (e: Error & { code?: number }) => e.code)).toBe(5);
  });
});
