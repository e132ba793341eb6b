import { describe, expect, it } from 'vitest';
import { startBroker } from '../broker/broker.js';
import { freePort } from '../common/runtime/ports.js';
import { parseGatewayConfig } from '../gateway/config.js';
import { startGateway } from '../gateway/gateway.js';
import { dryerGatewayYaml } from './helpers/gateway-yaml.js';
import { eventually, sprayDryer, tempDir } from './helpers/servers.js';
import { tcpRelay } from './helpers/tcp-relay.js';
import { teardown } from './helpers/teardown.js';

/**
 * A link between gateway and broker that can withhold the broker's answers: connection 1 until it is cut, connection
 * 2 after its CONNACK and one PUBACK (so mqtt.js is still resending connection 1's unacknowledged batches, one at a
 * time, when it is cut too); later connections pass everything.
 */
async function flakyLink(brokerPort: number) {
  let withholdFirst = false;
  const relay = await tcpRelay(brokerPort, {
    pass: (chunk, from, connection, passedBefore) => {
      if (from === 'client') return chunk;
      if (connection === 1 && withholdFirst) return undefined;
      // CONNACK and PUBACK are four bytes each in MQTT 3.1.1.
      return connection === 2 ? chunk.subarray(0, Math.max(0, 8 - passedBefore)) : chunk;
    },
  });
  return {
    url: `mqtt://127.0.0.1:${relay.port}`,
    connections: relay.connections,
    withholdFirst: () => { withholdFirst = true; },
    cut: (n: number) => relay.cut(n),
  };
}

describe('gateway reconnects', () => {
  it('sends every batch when the connection drops again while mqtt.js resends the last one\'s', async () => {
    const dryer = await sprayDryer({ running: true });
    const brokerPort = await freePort();
    const broker = await startBroker({ port: brokerPort });
    teardown(() => broker.stop());
    const link = await flakyLink(brokerPort);
    const config = parseGatewayConfig(dryerGatewayYaml({
      gateway: 'gw-rr', site: 'hall-rr', device: 'dryer-rr', mqttUrl: link.url, dryerPort: dryer.port,
      parameters: ['{ id: inlet_temp, name: Inlet, table: input, address: 0, type: float32 }'],
    }), 'rr.yaml');
    const gateway = await startGateway(config, { dataDir: tempDir('pilothub-rr-') });
    teardown(() => gateway.stop());
    const published = async () => (await gateway.metrics.published.get()).values[0]?.value ?? 0;
    await eventually('batches acknowledged', async () => ((await published()) >= 3 ? true : undefined));

    // Batches go on being published on connection 1 with their PUBACKs withheld, then it drops: they are unacknowledged.
    link.withholdFirst();
    await new Promise((r) => setTimeout(r, 600));
    link.cut(1);
    // Connection 2 answers the CONNACK and the first resent batch, then nothing: new batches meanwhile must not be
    // handed to mqtt.js, which would fail them when this connection drops as well.
    await eventually('connection 2', () => (link.connections() >= 2 ? true : undefined));
    await new Promise((r) => setTimeout(r, 600));
    link.cut(2);
    await eventually('connection 3', () => (link.connections() >= 3 ? true : undefined), 20_000);
    const before = await published();
    await eventually('batches acknowledged on connection 3', async () => ((await published()) >= before + 3 ? true : undefined), 20_000);

    await gateway.stop({ drainMs: 10_000 });
    expect(gateway.queueDepth().messages).toBe(0);
  });
});
