import { spawn, type ChildProcess } from 'node:child_process';
import { cpuSeconds } from './cpu.js';

/**
 * A gateway's share of a pipeline benchmark in a process of its own: `messages` reading batches of `perMessage`
 * readings, QoS 1, at most 64 unacknowledged, payloads built before the clock starts (what is measured is the
 * pipeline, not the publisher's JSON). Resolves once connected; `done` once every message is acknowledged.
 */
const SCRIPT = `
const mqtt = require('mqtt');
const [url, topic, messages, perMessage, t0, username, password] = process.argv.slice(1).map((a, i) => (i < 2 || i > 4 ? a : Number(a)));
const client = mqtt.connect(url, { protocolVersion: 4, username, password, clientId: 'bench-publisher' });
const payloads = [];
for (let i = 0; i < messages; i++) {
  const readings = [];
  for (let k = 0; k < perMessage; k++) readings.push({ p: 'p' + (k % 50), v: i * perMessage + k, t: t0 + i * perMessage + k });
  payloads.push(JSON.stringify({ gateway: username, seq: i, readings }));
}
client.on('connect', () => {
  client.stream.setNoDelay(true);
  process.stdout.write('ready\\n');
  let sent = 0, acked = 0;
  const pump = () => {
    while (sent < messages && sent - acked < 64) {
      const i = sent++;
      client.publish(topic, payloads[i], { qos: 1 }, () => {
        acked++;
        if (acked === messages) { process.stdout.write('done\\n'); client.end(); } else setImmediate(pump);
      });
    }
  };
  pump();
});`;

export interface Publisher { child: ChildProcess; done: Promise<void>; cpu(): number }

export async function startPublisher(o: { url: string; topic: string; messages: number; perMessage: number; t0: number; username: string; password: string }): Promise<Publisher> {
  const child = spawn(process.execPath, ['-e', SCRIPT, o.url, o.topic, String(o.messages), String(o.perMessage), String(o.t0), o.username, o.password], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  // The CPU is read as it says done, before it exits and its /proc entry goes.
  let lastCpu = cpuSeconds(child.pid!);
  child.stdout!.on('data', () => { lastCpu = cpuSeconds(child.pid!) || lastCpu; });
  const done = new Promise<void>((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`publisher exited with ${code}`)))));
  return { child, done, cpu: () => (child.exitCode === null ? cpuSeconds(child.pid!) || lastCpu : lastCpu) };
}
