import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import mqtt from 'mqtt';
import { eventually } from './pipeline.js';
import { stopAtEnd } from './teardown.js';

/** One nats-server (Debian's 2.9.10 in CI) from a config file; kill and start it again as often as a test needs. */
export interface NatsProcess {
  readonly child: ChildProcess;
  /** Everything the server logged since its first start. */
  log(): string;
  /** SIGKILL, as a crash or power loss: no goodbye to the cluster, nothing flushed. */
  kill(): Promise<void>;
  start(): void;
}

export function natsServer(configFile: string): NatsProcess {
  let output = '';
  let child!: ChildProcess;
  const start = () => {
    child = spawn('nats-server', ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
    stopAtEnd(child);
  };
  start();
  return {
    get child() { return child; },
    log: () => output,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
    start,
  };
}

/** Waits until the node accepts an MQTT login: JetStream has a leader and the account's MQTT streams exist. */
export async function mqttReady(node: NatsProcess, url: string, username: string, password: string, timeoutMs = 60_000): Promise<void> {
  await eventually(`MQTT on ${url}`, async () => {
    const probe = await mqtt.connectAsync(url, { protocolVersion: 4, username, password, reconnectPeriod: 0, connectTimeout: 3000 }).catch(() => undefined);
    await probe?.endAsync();
    return probe ? true : undefined;
  }, timeoutMs).catch((err: Error) => { throw new Error(`${err.message}; its log ends with: ${node.log().slice(-2000)}`); });
}
