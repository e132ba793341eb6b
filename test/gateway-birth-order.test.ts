import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { startBroker } from '../broker/broker.js';
import { SqlitePersistence } from '../broker/sqlite-persistence.js';
import { freePort } from '../common/runtime/ports.js';
import { parseGatewayConfig } from '../gateway/config.js';
import { startGateway } from '../gateway/gateway.js';
import { eventually, sprayDryer, tempDir } from './helpers/servers.js';
import { dryerGatewayYaml } from './helpers/gateway-yaml.js';
import { teardown } from './helpers/teardown.js';

/** A broker store that takes its time over retained messages, as one on a network (redis, a SAN) may. */
class SlowRetainedStore extends SqlitePersistence {
  override async storeRetained(packet: Parameters<SqlitePersistence['storeRetained']>[0]): Promise<void> {
    await sleep(150);
    await super.storeRetained(packet);
  }
}

const yaml = (mqttUrl: string, dryerPort: number) => dryerGatewayYaml({
  gateway: 'gw-bo', site: 'hall-bo', device: 'dryer-bo', mqttUrl, dryerPort, parameters: ['{ id: inlet_temp, name: Inlet, table: input, address: 0, type: float32 }'],
});

describe('gateway announcements', () => {
  it('reach subscribers already listening even when batches queued during an outage go out right behind them', async () => {
    const dryer = await sprayDryer();
    const port = await freePort();
    const mqttUrl = `mqtt://127.0.0.1:${port}`;
    const config = parseGatewayConfig(yaml(mqttUrl, dryer.port), 'bo.yaml');
    const dataDir = tempDir('pilothub-bo-');

    // Batches pile up on disk while there is no broker: at the next connect they are ready to go at once.
    const offline = await startGateway(config, { dataDir });
    await eventually('batches queued', () => (offline.queueDepth().messages >= 5 ? true : undefined));
    await offline.stop();

    const broker = await startBroker({ port, aedes: { persistence: new SlowRetainedStore(join(tempDir(), 'sessions.sqlite')) } });
    teardown(() => broker.stop());
    const listener = await mqtt.connectAsync(mqttUrl, { protocolVersion: 4, clean: true });
    teardown(() => listener.endAsync(true));
    const arrivals: string[] = [];
    listener.on('message', (topic) => arrivals.push(topic.split('/').at(-1)!));
    await listener.subscribeAsync(['pilothub/v1/+/+/birth', 'pilothub/v1/+/+/data', 'pilothub/v1/+/gateway/+/status'], { qos: 0 });

    const gateway = await startGateway(config, { dataDir });
    teardown(() => gateway.stop());
    await eventually('the queue sent', () => (gateway.queueDepth().messages === 0 && arrivals.includes('data') ? true : undefined));
    // The birth and the online status arrive, and before the first batch.
    expect(arrivals).toContain('birth');
    expect(arrivals).toContain('status');
    expect(arrivals.indexOf('birth')).toBeLessThan(arrivals.indexOf('data'));
    expect(arrivals.indexOf('status')).toBeLessThan(arrivals.indexOf('data'));
  });
});
