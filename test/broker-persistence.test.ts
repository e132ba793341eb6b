import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../broker/broker.js';
import { freePort } from '../common/runtime/ports.js';
import { eventually, tempDir } from './helpers/pipeline.js';
import { teardown } from './helpers/teardown.js';

const connect = (port: number, clientId: string, extra: mqtt.IClientOptions = {}) =>
  mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId, protocolVersion: 4, clean: false, reconnectPeriod: 0, ...extra });

describe('broker persistence (SQLite)', () => {
  it('passes aedes-persistence\'s own abstract test suite', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', 'broker/persistence-conformance.ts'], { encoding: 'utf8', timeout: 120_000 });
    const summary = /# pass (\d+)\n# fail (\d+)/.exec(run.stdout);
    expect(run.status, run.stdout.slice(-3000) + run.stderr).toBe(0);
    expect(Number(summary?.[1])).toBeGreaterThanOrEqual(50);
    expect(Number(summary?.[2])).toBe(0);
  });

  it('keeps queued and in-flight QoS 1 messages of a persistent session across a broker restart', async () => {
    const file = join(tempDir(), 'sessions.sqlite');
    const port = await freePort();
    let broker: RunningBroker = await startBroker({ port, persistenceFile: file });
    teardown(() => broker.stop());

    // The consumer takes messages but never acknowledges them: they stay in flight.
    const consumer = await connect(port, 'consumer');
    await consumer.subscribeAsync('pilothub/v1/+/+/data', { qos: 1 });
    const inFlight: string[] = [];
    consumer.handleMessage = (packet, _done) => { inFlight.push(String(packet.payload)); };
    const publisher = await connect(port, 'publisher', { clean: true });
    for (let i = 0; i < 5; i++) await publisher.publishAsync('pilothub/v1/hall-a/dryer-1/data', `m${i}`, { qos: 1 });
    await eventually('the first message in flight', () => (inFlight.length >= 1 ? true : undefined));
    consumer.end(true);
    // While the consumer is away the rest is queued.
    for (let i = 5; i < 10; i++) await publisher.publishAsync('pilothub/v1/hall-a/dryer-1/data', `m${i}`, { qos: 1 });
    await publisher.endAsync();

    await broker.stop();
    broker = await startBroker({ port, persistenceFile: file });

    const received: string[] = [];
    const back = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'consumer', protocolVersion: 4, clean: false, reconnectPeriod: 0 });
    teardown(() => back.endAsync(true));
    back.on('message', (_topic, payload) => received.push(String(payload)));
    await eventually('all ten messages after the restart', () => (received.length >= 10 ? true : undefined));
    expect(received.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`).sort());
  });

  it('carries messages queued in a file of the 0.1 layout (one outgoing table) over to the current one', async () => {
    const file = join(tempDir(), 'sessions.sqlite');
    const old = new Database(file);
    old.exec(`CREATE TABLE subscriptions (client_id TEXT NOT NULL, topic TEXT NOT NULL, sub BLOB NOT NULL, PRIMARY KEY (client_id, topic));
      CREATE TABLE outgoing (seq INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, broker_id TEXT, broker_counter INTEGER,
        message_id INTEGER, packet BLOB NOT NULL);`);
    const topic = 'pilothub/v1/hall-a/dryer-1/data';
    old.prepare('INSERT INTO subscriptions VALUES (?, ?, ?)').run('consumer', 'pilothub/v1/+/+/data', serialize({ topic: 'pilothub/v1/+/+/data', qos: 1, rh: 0, rap: false, nl: false }));
    const insert = old.prepare('INSERT INTO outgoing (client_id, broker_id, broker_counter, message_id, packet) VALUES (?, ?, ?, ?, ?)');
    for (let i = 0; i < 3; i++) {
      const packet = { cmd: 'publish', topic, payload: Buffer.from(`old${i}`), qos: 1, retain: false, dup: false, brokerId: 'gone', brokerCounter: i + 1 };
      insert.run('consumer', 'gone', i + 1, i === 0 ? 7 : null, serialize(packet));
    }
    old.close();

    const port = await freePort();
    const broker = await startBroker({ port, persistenceFile: file });
    teardown(() => broker.stop());
    const received: string[] = [];
    const back = await connect(port, 'consumer');
    teardown(() => back.endAsync(true));
    back.on('message', (_topic, payload) => received.push(String(payload)));
    await eventually('the three old messages', () => (received.length >= 3 ? true : undefined));
    expect(received.sort()).toEqual(['old0', 'old1', 'old2']);
    const after = new Database(file, { readonly: true });
    expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'outgoing'").all()).toEqual([]);
    after.close();
  });
});
