import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { natsConf } from '../../broker/nats-config.js';
import type { BcryptAccount } from '../../broker/user-store.js';
import { freePort } from '../../common/runtime/ports.js';
import { cpuSeconds } from './cpu.js';

export interface NatsCluster { urls: string[]; cpu(): number; stop(): Promise<void> }

/**
 * Three nats-server nodes on loopback with the files `pilothub broker-config nats` writes (JetStream, MQTT, three
 * replicas), ready once every node accepts an MQTT login.
 */
export async function startNatsCluster(dir: string, accounts: BcryptAccount[], login: { username: string; password: string }): Promise<NatsCluster> {
  const ports = await Promise.all(Array.from({ length: 9 }, () => freePort()));
  const nodes = [0, 1, 2].map((i) => ({ host: '127.0.0.1', clientPort: ports[3 * i]!, clusterPort: ports[3 * i + 1]!, mqttPort: ports[3 * i + 2]! }));
  const children: ChildProcess[] = nodes.map((_, i) => {
    const file = join(dir, `n${i + 1}.conf`);
    mkdirSync(join(dir, `store-${i + 1}`), { recursive: true });
    writeFileSync(file, natsConf({ nodes, node: i + 1, storeDir: join(dir, `store-${i + 1}`) }, accounts), { mode: 0o600 });
    return spawn('nats-server', ['-c', file], { stdio: 'ignore' });
  });
  const urls = nodes.map((n) => `mqtt://127.0.0.1:${n.mqttPort}`);
  const deadline = Date.now() + 90_000;
  for (const url of urls) {
    for (;;) {
      const probe = await mqtt.connectAsync(url, { protocolVersion: 4, ...login, reconnectPeriod: 0, connectTimeout: 3000 }).catch(() => undefined);
      if (probe) { await probe.endAsync(); break; }
      if (Date.now() > deadline) throw new Error(`NATS node ${url} did not accept MQTT logins within 90 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return {
    urls,
    cpu: () => children.reduce((sum, c) => sum + cpuSeconds(c.pid!), 0),
    stop: async () => {
      await Promise.all(children.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        c.kill('SIGTERM');
        await once(c, 'exit');
      }));
    },
  };
}
