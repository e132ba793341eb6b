import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../broker/accounts.js';
import { mosquittoAcl, mosquittoConf } from '../broker/mosquitto-config.js';
import { freePort } from '../common/runtime/ports.js';
import { eventually, influxd, ingest, tempDir } from './helpers/pipeline.js';
import { stopAtEnd, teardown } from './helpers/teardown.js';
import { checkSequence, publishSequence, sequence } from './helpers/sequence.js';

const accounts: { account: Account; password: string }[] = [
  { account: { username: 'gw-seq', role: 'gateway', site: 'hall-m', gateway: 'gw-seq', equipment: ['mixer-1'] }, password: 'gateway-password-m' },
  { account: { username: 'pilothub-ingest', role: 'ingest' }, password: 'ingest-password-m' },
];

describe('Debian mosquitto 2.0 as the broker', () => {
  let url: string;

  beforeAll(async () => {
    const dir = tempDir('pilothub-mosquitto-');
    const passwordFile = join(dir, 'passwd');
    writeFileSync(passwordFile, '', { mode: 0o600 });
    for (const { account, password } of accounts) execFileSync('mosquitto_passwd', ['-b', passwordFile, account.username, password]);
    writeFileSync(join(dir, 'acl'), mosquittoAcl(accounts.map((a) => a.account)), { mode: 0o600 });
    const port = await freePort();
    writeFileSync(join(dir, 'mosquitto.conf'), mosquittoConf({
      host: '127.0.0.1', port, passwordFile, aclFile: join(dir, 'acl'), persistenceDir: dir, runAsRoot: process.getuid?.() === 0,
    }));
    const child = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    stopAtEnd(child);
    url = `mqtt://127.0.0.1:${port}`;
    await eventually(`mosquitto listening (${stderr})`, async () => {
      const probe = await mqtt.connectAsync(url, { protocolVersion: 4, username: 'pilothub-ingest', password: 'ingest-password-m', reconnectPeriod: 0 }).catch(() => undefined);
      await probe?.endAsync();
      return probe ? true : undefined;
    });
  });

  it('carries gateway-format batches into InfluxDB through ingest, unchanged', async () => {
    const influx = await influxd();
    const running = await ingest({ mqttUrl: url, influxUrl: influx.url, clientId: 'ingest-mosquitto', username: 'pilothub-ingest', password: 'ingest-password-m' });
    const s = sequence('hall-m', 'mixer-1', 300, 20);
    await publishSequence(url, s, { clientId: 'gw-seq', username: 'gw-seq', password: 'gateway-password-m' });
    await eventually('all readings', () => (running.metrics.readingsWritten >= 6000 ? true : undefined));
    expect(await checkSequence(influx.client, s)).toEqual({ stored: 6000, missing: [], duplicated: [], wrong: [] });
  });

  it('enforces the same accounts and rights: anonymous refused, other sites not delivered', async () => {
    const anonymous = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0 }).then(() => 'connected', (e: Error & { code?: number }) => e.code);
    expect(anonymous).toBe(5);
    const reader = await mqtt.connectAsync(url, { protocolVersion: 4, username: 'pilothub-ingest', password: 'ingest-password-m', reconnectPeriod: 0 });
    teardown(() => reader.endAsync(true));
    const topics: string[] = [];
    reader.on('message', (topic) => topics.push(topic));
    await reader.subscribeAsync('pilothub/v1/#', { qos: 1 });
    const gwOptions = { protocolVersion: 4 as const, username: 'gw-seq', password: 'gateway-password-m', reconnectPeriod: 0 };
    const denied = await mqtt.connectAsync(url, gwOptions);
    // Mosquitto 2.0.11 answers a denied QoS 1 publish with an MQTT 5 reason code (135) even to a 3.1.1
    // client, which mqtt.js treats as a protocol error and closes: the same outcome as aedes closing it.
    const closed = new Promise<void>((resolve) => denied.once('close', () => resolve()));
    denied.publish('pilothub/v1/hall-x/mixer-1/data', '{}', { qos: 1 });
    await closed;
    denied.end(true);
    const gw = await mqtt.connectAsync(url, gwOptions);
    teardown(() => gw.endAsync(true));
    await gw.publishAsync('pilothub/v1/hall-m/mixer-1/birth', '{}', { qos: 1 });
    await eventually('the allowed birth', () => (topics.length ? true : undefined));
    expect(topics).toEqual(['pilothub/v1/hall-m/mixer-1/birth']);
  });
});
