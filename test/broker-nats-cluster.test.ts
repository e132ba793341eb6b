import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../broker/accounts.js';
import { UserStore, usersFile } from '../broker/user-store.js';
import { freePort } from '../common/runtime/ports.js';
import type { RunningGateway } from '../gateway/gateway.js';
import { dryerGatewayYaml } from './helpers/gateway-yaml.js';
import { pilothub } from './helpers/hub-process.js';
import { mqttReady, natsServer, type NatsProcess } from './helpers/nats.js';
import { eventually, gateway, influxd, ingest, sprayDryer, tempDir } from './helpers/servers.js';
import { killOwnerAndCheckTakeover } from './helpers/ingest-shares.js';
import { teardown } from './helpers/teardown.js';

const PASSWORDS = { 'gw-n': 'gateway-password-n1', 'gw-o': 'gateway-password-o1', 'pilothub-ingest': 'ingest-password-n1', 'pilothub-api': 'api-password-n1' } as const;
const ACCOUNTS: Account[] = [
  { username: 'gw-n', role: 'gateway', site: 'hall-n', gateway: 'gw-n', equipment: ['dryer-n'] },
  { username: 'gw-o', role: 'gateway', site: 'hall-o', gateway: 'gw-o', equipment: ['oven-o'] },
  { username: 'pilothub-ingest', role: 'ingest' },
  { username: 'pilothub-api', role: 'api' },
];
const PARAMETERS = ['inlet_temp', 'outlet_temp', 'feed_rate', 'running'];
const installedNats = /v(\d+\.\d+\.\d+)/.exec(execFileSync('nats-server', ['--version'], { encoding: 'utf8' }))?.[1];
const login = (username: keyof typeof PASSWORDS) => ({ protocolVersion: 4 as const, username, password: PASSWORDS[username], reconnectPeriod: 0 });

describe('a three-node NATS server cluster (JetStream) as the MQTT broker', () => {
  const nodes: NatsProcess[] = [];
  const urls: string[] = [];
  const configs: string[] = [];
  /** Ends a persistent session as an operator does: a clean connect under its client id removes it and its consumers. */
  const endSession = async (clientId: string) => (await mqtt.connectAsync(urls[0]!, { ...login('pilothub-ingest'), clientId, clean: true })).endAsync();

  beforeAll(async () => {
    const dir = tempDir('pilothub-nats-');
    const users = new UserStore(usersFile(dir));
    for (const account of ACCOUNTS) await users.set(account, PASSWORDS[account.username as keyof typeof PASSWORDS]);
    users.close();
    const ports = await Promise.all(Array.from({ length: 9 }, () => freePort()));
    const list = [0, 1, 2].map((i) => `127.0.0.1:${ports[3 * i]}:${ports[3 * i + 1]}:${ports[3 * i + 2]}`).join(',');
    for (const i of [1, 2, 3]) {
      const out = join(dir, `n${i}.conf`);
      const r = await pilothub(['broker-config', 'nats', '--node', String(i), '--nodes', list, '--store-dir', join(dir, `store-${i}`), '--out', out, '--ack-wait', '10', '--data-dir', dir]);
      // Debian 12's 2.9.10 gets a warning: before 2.9.16 another QoS 1 subscriber of the data can cost ingest readings.
      expect(r.stderr).toBe(installedNats === '2.9.10' ? `pilothub broker-config nats: warning: nats-server 2.9.10 on this machine may drop a QoS 1 message for ingest when another QoS 1 subscriber of the data acknowledged it first (fixed in 2.9.16, nats-server#4006): run 2.9.16 or later if anything besides ingest subscribes to the data at QoS 1 (docs/scale-out.md)\n` : '');
      expect(r.stdout).toContain(`NATS node ${i} of 3, 4 account(s)`);
      configs.push(out);
      urls.push(`mqtt://127.0.0.1:${ports[3 * (i - 1) + 2]}`);
    }
    for (const file of configs) nodes.push(natsServer(file));
    for (const [i, url] of urls.entries()) await mqttReady(nodes[i]!, url, 'pilothub-api', PASSWORDS['pilothub-api']);
    // Longer than the three waits for MQTT (60 s each) together, so a node that never gets there fails with its log
    // rather than the hook timing out silently (it did once in CI after 90 s).
  }, 200_000);

  it('gets a config per node from the user store: mode 0600, bcrypt hashes only, the ACL as subjects; bad options named', async () => {
    for (const file of configs) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const text = readFileSync(file, 'utf8');
      for (const password of Object.values(PASSWORDS)) expect(text).not.toContain(password);
      expect(text.match(/password: "\$2[ab]\$10\$/g)).toHaveLength(4);
      expect(text).toContain('stream_replicas: 3');
      expect(text).toContain('"pilothub.v1.hall-n.dryer-n.data", "pilothub.v1.hall-n.dryer-n.birth", "pilothub.v1.hall-n.dryer-n.state", "pilothub.v1.hall-n.gateway.gw-n.status"');
    }
    const bad = await pilothub(['broker-config', 'nats', '--node', '4', '--nodes', '127.0.0.1,127.0.0.2:1:2', '--store-dir', '/x', '--out', '/x/n.conf']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--nodes: entry 2 "127.0.0.2:1:2" must be host or host:clientPort:clusterPort:mqttPort');
  }, 30_000);

  it('keeps every reading of a real gateway when the node it is connected to, then the node ingest is on, is killed and restarted', async () => {
    const influx = await influxd();
    // Ingest on node 1 first, the gateway on node 2 first: killing node 2 moves the gateway, not ingest.
    const running = await ingest({ mqttUrl: urls.join(','), influxUrl: influx.url, clientId: 'pilothub-ingest', username: 'pilothub-ingest', password: PASSWORDS['pilothub-ingest'] });
    const dryer = await sprayDryer({ running: true });
    const gatewayUrls = [urls[1], urls[2], urls[0]].join(',');
    const yaml = dryerGatewayYaml({ gateway: 'gw-n', site: 'hall-n', device: 'dryer-n', mqttUrl: gatewayUrls, dryerPort: dryer.port, parameters: [
      '{ id: inlet_temp, name: Inlet, table: input, address: 0, type: float32 }',
      '{ id: outlet_temp, name: Outlet, table: input, address: 2, type: float32 }',
      '{ id: feed_rate, name: Feed, table: input, address: 4, type: float32 }',
      '{ id: running, name: Running, table: coil, address: 0, type: bool }',
    ] }).replace(`url: "${gatewayUrls}" }`, `url: "${gatewayUrls}", username: gw-n, password: ${PASSWORDS['gw-n']} }`);
    const gw = await gateway(yaml, {});
    const published = async (g: RunningGateway) => (await g.metrics.published.get()).values[0]?.value ?? 0;
    await eventually('batches acknowledged through node 2', async () => ((await published(gw)) >= 10 ? true : undefined), 30_000);

    await nodes[1]!.kill();
    const killedAt = Date.now();
    const atKill = await published(gw);
    // The gateway was on node 2: it loses its connection, then moves on to node 3.
    await eventually('the gateway disconnected', async () => ((await gw.metrics.connected.get()).values[0]?.value === 0 ? true : undefined), 10_000);
    await eventually('the gateway reconnected', async () => ((await gw.metrics.connected.get()).values[0]?.value === 1 ? true : undefined), 30_000);
    const failoverMs = Date.now() - killedAt;
    await eventually('batches acknowledged through another node', async () => ((await published(gw)) >= atKill + 20 ? true : undefined), 60_000);
    nodes[1]!.start();
    await mqttReady(nodes[1]!, urls[1]!, 'pilothub-api', PASSWORDS['pilothub-api']);
    const atRestart = await published(gw);
    await eventually('more batches after the restart', async () => ((await published(gw)) >= atRestart + 10 ? true : undefined), 30_000);

    // Then ingest's node: its persistent session (kept in the replicated $MQTT_sess stream) and the durable JetStream
    // consumer of its QoS 1 subscription carry on from another node; what was delivered and not acknowledged comes again.
    await nodes[0]!.kill();
    const received = running.metrics.messagesReceived;
    await eventually('ingest receiving through another node', () => (running.metrics.messagesReceived >= received + 20 ? true : undefined), 60_000);
    nodes[0]!.start();
    await mqttReady(nodes[0]!, urls[0]!, 'pilothub-api', PASSWORDS['pilothub-api']);

    // Stopped, the gateway polls no more and must deliver its whole queue once the cluster has its leaders again. Here
    // it once kept 51 batches for good: handed to mqtt.js while it resent the last connection's batches on a
    // connection NATS then closed (a JetStream store timing out), failed, and passed over (gateway/publisher.ts
    // `announced`, test/gateway-reconnect-replay.test.ts).
    await gw.stop({ drainMs: 90_000 });
    expect(gw.queueDepth().messages).toBe(0);
    const produced = (await gw.metrics.readings.get()).values.reduce((n, v) => n + v.value, 0);
    const perParameter = produced / PARAMETERS.length;
    expect(Number.isInteger(perParameter)).toBe(true);
    const count = async () => {
      const series = await influx.client.query(`SELECT count("quality") FROM "reading" WHERE "equipment" = 'dryer-n' GROUP BY "parameter"`);
      return Object.fromEntries(series.map((s) => [String(s.tags?.parameter), Number(s.values[0]?.[1])]));
    };
    // Exactly as many points as readings produced: none lost, and a redelivered batch overwrote its own points.
    const expected = Object.fromEntries(PARAMETERS.map((p) => [p, perParameter]));
    await eventually('every reading in InfluxDB', async () => {
      const c = await count();
      return PARAMETERS.every((p) => c[p] === perParameter) ? true : undefined;
    }, 40_000).catch(async (err: Error) => { throw new Error(`${err.message}: expected ${perParameter} per parameter, InfluxDB has ${JSON.stringify(await count())}`); });
    expect(await count()).toEqual(expected);
    console.log(`nats cluster: gateway reconnected ${failoverMs} ms after its node was killed; published ${await published(gw)} batches, ingest received ${running.metrics.messagesReceived} messages (redeliveries included), ${produced} readings`);

    // Births are retained in the replicated $MQTT_rmsgs stream: every node, the restarted one too, hands them out.
    for (const url of urls) {
      const api = await mqtt.connectAsync(url, login('pilothub-api'));
      const births: string[] = [];
      api.on('message', (topic, _payload, packet) => { if (packet.retain) births.push(topic); });
      await api.subscribeAsync('pilothub/v1/+/+/birth', { qos: 1 });
      await eventually(`birth on ${url}`, () => (births.length ? true : undefined), 10_000);
      expect(births).toEqual(['pilothub/v1/hall-n/dryer-n/birth']);
      await api.endAsync();
    }
    await running.stop();
    await endSession('pilothub-ingest');
  }, 240_000);

  it('holds the same accounts and rights: refused logins, other sites not delivered, gateways may not subscribe', async () => {
    const anonymous = await mqtt.connectAsync(urls[0]!, { protocolVersion: 4, reconnectPeriod: 0 }).then(() => 'connected', (e: Error & { code?: number }) => e.code);
    expect(anonymous).toBe(5);
    // NATS answers a wrong password with CONNACK 5 (not authorized), where aedes says 4 (bad user name or password).
    const wrong = await mqtt.connectAsync(urls[0]!, { ...login('gw-o'), password: 'not-the-password' }).then(() => 'connected', (e: Error & { code?: number }) => e.code);
    expect(wrong).toBe(5);

    const reader = await mqtt.connectAsync(urls[2]!, login('pilothub-ingest'));
    teardown(() => reader.endAsync(true));
    const topics: string[] = [];
    // Live messages only: the retained ones of the test above arrive on subscribing.
    reader.on('message', (topic, _payload, packet) => { if (!packet.retain) topics.push(topic); });
    await reader.subscribeAsync('pilothub/v1/#', { qos: 1 });
    const everything = await reader.subscribeAsync('#', { qos: 1 }).then((g) => g.map((x) => x.qos), (e: Error & { packet?: { granted: number[] } }) => e.packet?.granted);
    expect(everything).toEqual([128]);

    const gw = await mqtt.connectAsync(urls[0]!, login('gw-o'));
    teardown(() => gw.endAsync(true));
    let closed = false;
    gw.on('close', () => { closed = true; });
    // A refused QoS 1 publish is acknowledged and dropped (NATS logs a "Publish Violation"); the connection stays open.
    await gw.publishAsync('pilothub/v1/hall-n/dryer-n/data', '{}', { qos: 1 });
    await gw.publishAsync('pilothub/v1/hall-o/dryer-n/birth', '{}', { qos: 1 });
    await gw.publishAsync('pilothub/v1/hall-o/oven-o/birth', '{}', { qos: 1 });
    await eventually('the allowed birth', () => (topics.length ? true : undefined));
    await new Promise((r) => setTimeout(r, 500));
    expect(topics).toEqual(['pilothub/v1/hall-o/oven-o/birth']);
    expect(closed).toBe(false);
    expect(nodes[0]!.log()).toContain('Publish Violation - User "gw-o", Subject "pilothub.v1.hall-n.dryer-n.data"');
    const subscribed = await gw.subscribeAsync('pilothub/v1/#', { qos: 1 }).then(() => 'granted', (e: Error & { packet?: { granted: number[] } }) => e.packet?.granted);
    expect(subscribed).toEqual([128]);
    await reader.endAsync();
  }, 60_000);

  it('stores a retained data message, which aedes refuses: subject permissions do not see the retain flag (a known limit)', async () => {
    const gw = await mqtt.connectAsync(urls[0]!, login('gw-o'));
    teardown(() => gw.endAsync(true));
    await gw.publishAsync('pilothub/v1/hall-o/oven-o/data', 'retained-batch', { qos: 1, retain: true });
    const late = await mqtt.connectAsync(urls[2]!, login('pilothub-api'));
    teardown(() => late.endAsync(true));
    const retained: string[] = [];
    late.on('message', (topic, payload, packet) => { if (packet.retain) retained.push(`${topic} ${String(payload)}`); });
    await late.subscribeAsync('pilothub/v1/+/+/data', { qos: 0 });
    await eventually('the retained data message', () => (retained.length ? true : undefined), 10_000);
    expect(retained).toEqual(['pilothub/v1/hall-o/oven-o/data retained-batch']);
  }, 60_000);

  // Alone on the data: the tests above ended their QoS 1 subscribers and ingest's session. In NATS 2.9.10 (Debian 12)
  // another consumer's ack reaching a lagging replica before the message makes that replica delete the message from
  // the stream for every consumer (fixed in 2.9.16, nats-server#4006): with their subscriptions still there, the new
  // owner of a share never got 1-3 of 300 batches (docs/scale-out.md, "limits of NATS 2.9.10").
  it('shares the sites between two ingest processes: the one killed has its share taken over, nothing lost (issue #18)', async () => {
    const influx = await influxd();
    const pass = (username: keyof typeof PASSWORDS) => ({ username, password: PASSWORDS[username] });
    // Each process lists the nodes from another one, so the two are on different nodes: the killed one's session is
    // resumed on another node than the one that held it.
    await killOwnerAndCheckTakeover({
      mqttUrls: [[urls[1], urls[2], urls[0]].join(','), [urls[2], urls[0], urls[1]].join(',')],
      brokerLog: () => nodes.map((n, i) => n.log().split('\n').map((line) => `n${i + 1} ${line}`).join('\n')).join('\n'),
      influx: influx.client, influxUrl: influx.url, ingest: pass('pilothub-ingest'),
      sites: [{ site: 'hall-n', equipment: 'dryer-n', gateway: pass('gw-n') }, { site: 'hall-o', equipment: 'oven-o', gateway: pass('gw-o') }],
    });
  }, 180_000);
});
