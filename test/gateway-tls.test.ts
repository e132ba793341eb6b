import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { startBroker } from '../broker/broker.js';
import { UserStore } from '../broker/user-store.js';
import { freePort } from '../common/runtime/ports.js';
import { dryerGatewayYaml } from './helpers/gateway-yaml.js';
import { eventually, gateway, sprayDryer, tempDir } from './helpers/servers.js';
import { teardown } from './helpers/teardown.js';

/** Issue 13: an edge gateway talks to the broker over TLS with its own account, trusting the CA named in its file. */
describe('gateway over MQTT with TLS', () => {
  it('publishes over mqtts with its own account when its config names the CA, and is refused without it', async () => {
    const dir = tempDir('pilothub-gw-tls-');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const users = new UserStore(join(dir, 'users.sqlite'));
    teardown(() => users.close());
    await users.set({ username: 'gw-tls', role: 'gateway', site: 'hall-t', gateway: 'gw-tls', equipment: ['dryer-1'] }, 'gateway-tls-password');
    await users.set({ username: 'watcher', role: 'ingest' }, 'watcher-password-1');
    const broker = await startBroker({ port: await freePort(), users, tls: { port: await freePort(), certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } });
    teardown(() => broker.stop());
    const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { username: 'watcher', password: 'watcher-password-1', protocolVersion: 4 });
    teardown(() => watcher.endAsync());
    const seen: string[] = [];
    watcher.on('message', (topic) => seen.push(topic));
    await watcher.subscribeAsync('pilothub/v1/hall-t/#', { qos: 1 });
    const dryer = await sprayDryer();
    const yaml = (ca: string) => dryerGatewayYaml({ gateway: 'gw-tls', site: 'hall-t', device: 'dryer-1', mqttUrl: `mqtts://127.0.0.1:${broker.tlsPort}`, dryerPort: dryer.port,
      parameters: ['{ id: inlet_temp, name: Inlet, table: input, address: 0, type: float32 }'] })
      .replace(/mqtt: \{ url: "([^"]+)" \}/, `mqtt: { url: "$1", username: gw-tls, password: gateway-tls-password${ca} }`);

    // Without the CA the self-signed broker certificate is not trusted: nothing arrives.
    const untrusted = await gateway(yaml(''), {});
    await new Promise((r) => setTimeout(r, 1500));
    expect(seen.filter((t) => t.endsWith('/data'))).toEqual([]);
    await untrusted.stop();

    await gateway(yaml(`, ca: "${join(dir, 'cert.pem')}"`), {});
    await eventually('data over TLS', () => (seen.some((t) => t === 'pilothub/v1/hall-t/dryer-1/data') ? true : undefined), 10_000);
  });
});
