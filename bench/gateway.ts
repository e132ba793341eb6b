import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { startBroker } from '../broker/broker.js';
import { freePort } from '../common/runtime/ports.js';
import { MAX_BITS_PER_READ, MAX_REGISTERS_PER_READ } from '../gateway/drivers/modbus/plan.js';
import { RegisterBank } from '../simulators/modbus/register-bank.js';
import { serveModbusTcp, type ModbusSimServer } from '../simulators/modbus/server.js';

/**
 * `npm run bench -- gateway`: 10 000 parameters at 1 Hz across 20 Modbus simulator instances (400 float32
 * registers pairs and 100 coils each), read by a gateway in a child process (so its CPU and RSS are its own)
 * and published to an aedes broker. Prints gateway CPU (cores), RSS, readings/s delivered to a subscriber,
 * and Modbus requests issued / the optimal count. Targets: < 0.25 core, < 200 MB, ratio 1.00. Never asserts.
 */
const DEVICES = 20;
const FLOATS = 400;
const COILS = 100;
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 5);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 20);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

// Optimal requests per poll, from the protocol limits alone: a float32 cannot straddle two reads.
const optimalPerPoll = DEVICES * (Math.ceil(FLOATS / Math.floor(MAX_REGISTERS_PER_READ / 2)) + Math.ceil(COILS / MAX_BITS_PER_READ));

const dir = mkdtempSync(join(tmpdir(), 'pilothub-bench-gw-'));
const broker = await startBroker({ port: await freePort() });
const sims: ModbusSimServer[] = [];
const devices: string[] = [];
for (let d = 0; d < DEVICES; d++) {
  const bank = new RegisterBank(2 * FLOATS + 10);
  for (let i = 0; i < FLOATS; i++) bank.writeFloat32('input', 2 * i, d * 1000 + i + 0.5, 'CDAB');
  const sim = await serveModbusTcp({ units: new Map([[1, bank]]), port: await freePort() });
  sims.push(sim);
  const params = [
    ...Array.from({ length: FLOATS }, (_, i) => `      - { id: f${i}, name: F${i}, table: input, address: ${2 * i}, type: float32, order: CDAB }`),
    ...Array.from({ length: COILS }, (_, i) => `      - { id: c${i}, name: C${i}, table: coil, address: ${i}, type: bool }`),
  ];
  devices.push(`  - id: dev-${d}
    name: Bench device ${d}
    protocol: modbus
    connection: { transport: tcp, host: 127.0.0.1, port: ${sim.port} }
    pollIntervalMs: 1000
    maxGap: 0
    parameters:
${params.join('\n')}`);
}
const configFile = join(dir, 'gateway.yaml');
writeFileSync(configFile, `gateway: { id: gw-bench, site: bench }\nmqtt: { url: "mqtt://127.0.0.1:${broker.port}" }\ndevices:\n${devices.join('\n')}\n`);

let delivered = 0;
const subscriber = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { protocolVersion: 4 });
subscriber.on('message', (_topic, payload) => { delivered += (JSON.parse(String(payload)) as { readings: unknown[] }).readings.length; });
await subscriber.subscribeAsync('pilothub/v1/bench/+/data', { qos: 1 });

const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'cli/main.ts'), 'gateway', configFile], {
  cwd: ROOT, env: { ...process.env, PILOTHUB_DATA_DIR: dir, PILOTHUB_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'inherit', 'inherit'],
});
const pid = child.pid!;
const cpuSeconds = () => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime in clock ticks (USER_HZ = 100)
};
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const requests = () => sims.reduce((n, s) => n + Object.values(s.requestCount).reduce((a, b) => a + b, 0), 0);

process.stdout.write(`gateway bench: ${DEVICES * (FLOATS + COILS)} parameters on ${DEVICES} Modbus TCP simulators at 1 Hz; warm-up ${WARMUP_S} s, window ${WINDOW_S} s\n`);
await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
const start = { cpu: cpuSeconds(), delivered, requests: requests(), t: performance.now() };
let peakRss = 0;
for (let s = 0; s < WINDOW_S; s++) {
  await new Promise((r) => setTimeout(r, 1000));
  peakRss = Math.max(peakRss, rssMb());
}
const elapsed = (performance.now() - start.t) / 1000;
const cores = (cpuSeconds() - start.cpu) / elapsed;
const readingsPerSecond = (delivered - start.delivered) / elapsed;
const issued = requests() - start.requests;
// polls in the window, measured by what was delivered (each poll of a device delivers all its parameters)
const polls = (delivered - start.delivered) / (DEVICES * (FLOATS + COILS));
const ratio = issued / (polls * optimalPerPoll);

child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
await subscriber.endAsync();
for (const sim of sims) await sim.stop();
await broker.stop();
rmSync(dir, { recursive: true, force: true });

const row = (name: string, value: string, target: string) => `${name.padEnd(34)} ${value.padStart(10)}   ${target}\n`;
process.stdout.write(row('gateway CPU (cores)', cores.toFixed(3), 'target < 0.25'));
process.stdout.write(row('gateway RSS, peak (MB)', peakRss.toFixed(0), 'target < 200'));
process.stdout.write(row('readings/s delivered', readingsPerSecond.toFixed(0), `offered ${DEVICES * (FLOATS + COILS)}`));
process.stdout.write(row('Modbus requests issued / optimal', ratio.toFixed(2), `target 1.00 (${issued} issued, optimal ${optimalPerPoll}/poll)`));
