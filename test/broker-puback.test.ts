import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { startBroker } from '../broker/broker.js';
import { SqlitePersistence } from '../broker/sqlite-persistence.js';
import { freePort } from '../common/runtime/ports.js';
import { tempDir } from './helpers/pipeline.js';
import { teardown } from './helpers/teardown.js';

/** A store whose queue writes wait until the test opens the gate: a disk that is slow at the worst moment. */
class GatedStore extends SqlitePersistence {
  open: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => { this.open = resolve; });
  override async outgoingEnqueueCombi(...args: Parameters<SqlitePersistence['outgoingEnqueueCombi']>): Promise<void> {
    await this.gate;
    await super.outgoingEnqueueCombi(...args);
  }
}

describe('broker acknowledgements (aedes patched: patches/aedes+*.patch)', () => {
  it('sends a QoS 1 PUBACK only once the message is queued for the persistent subscriber', async () => {
    const store = new GatedStore(join(tempDir(), 'sessions.sqlite'));
    const port = await freePort();
    const broker = await startBroker({ port, aedes: { persistence: store } });
    teardown(() => broker.stop());
    const url = `mqtt://127.0.0.1:${port}`;
    const ingest = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: 'puback-ingest', clean: false });
    teardown(() => ingest.endAsync(true));
    await ingest.subscribeAsync('pilothub/v1/+/+/data', { qos: 1 });
    const gateway = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: 'puback-gw' });
    teardown(() => gateway.endAsync(true));

    let acknowledged = false;
    gateway.publish('pilothub/v1/hall-a/dryer-1/data', 'reading', { qos: 1 }, () => { acknowledged = true; });
    // Unpatched, aedes acknowledges on receipt, before queueing: the publisher would already have let go.
    await sleep(300);
    expect(acknowledged).toBe(false);
    store.open();
    await expect.poll(() => acknowledged).toBe(true);
  });
});
