import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
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
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', 'broker/persistence-conformance.ts'], { encoding: 'utf8', timeout: 120_000 });
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
});
