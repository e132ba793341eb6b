import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from '../broker/broker.js';
import { freePort } from '../common/runtime/ports.js';
import { DeliveryCounter } from './lib/delivery-counter.js';
import { bucketQuantile, GatewayChild, sum } from './lib/gateway-child.js';
import { modbusDevicesYaml, OPTIMAL_REQUESTS_PER_UNIT, TAGS_PER_UNIT } from './lib/modbus-layout.js';
import { printCase, type CaseResult } from './lib/scale-report.js';

/**
 * `npm run bench -- gateway-scale [A] [B] [C] [overload]` (default: all), each case BENCH_RUNS times (default 3):
 *  A  10 000 Modbus parameters at 1 Hz: 10 simulated PLCs (one TCP port, one unit each),
 *  B 100 000 Modbus parameters at 1 Hz: 25 ports x 4 unit ids, one gateway device (and connection) per unit,
 *  C  10 000 OPC UA monitored items at 1 Hz from one server whose 10 000 variables all change every second,
 *  overload: case B polled every 250 ms (4x the rate B offers): what the gateway does above its capacity.
 * Modbus units hold float32 CDAB, int32 CDAB, bits and coils with gaps between blocks (bench/lib/modbus-layout.ts).
 * The gateway is the real `pilothub gateway` (compiled dist/, as installed) in a child process (store-and-forward outbox on disk as in production)
 * publishing to aedes as the hub starts it; a subscriber counts what arrives. Simulators run in another child.
 * Prints per run and the spread over runs; never asserts. BENCH_WARMUP_S (default 5), BENCH_WINDOW_S (default 20).
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 5);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 20);
const HERE = fileURLToPath(new URL('.', import.meta.url));
const SITE = 'bench';

type Farm = { child: ChildProcess; ask(m: string): Promise<Record<string, unknown>>; stop(): Promise<void> };
async function startFarm(file: string, init: unknown): Promise<Farm & { ready: Record<string, unknown> }> {
  const child = fork(join(HERE, 'lib', file), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const next = () => new Promise<Record<string, unknown>>((resolve) => child.once('message', (m) => resolve(m as Record<string, unknown>)));
  const ready = next();
  child.send(init as never);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child, ready: await ready,
    ask: (m) => { const r = next(); child.send(m); return r; },
    stop: () => { child.send('stop'); return exited; },
  };
}

interface RunSpec { name: string; tags: number; offeredPerS: number; devicesYaml: (farm: Record<string, unknown>) => string; optimalPerS?: number }

/** Starts broker, subscriber and gateway against a running farm, measures one window, stops and accounts. */
async function measure(spec: RunSpec, farm: Farm & { ready: Record<string, unknown> }, windowS: number): Promise<CaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'pilothub-bench-gwscale-'));
  const broker = await startBroker({ port: await freePort() });
  const url = `mqtt://127.0.0.1:${broker.port}`;
  const counter = await DeliveryCounter.connect(url, SITE);
  const configFile = join(dir, 'gateway.yaml');
  writeFileSync(configFile, `gateway: { id: gw-scale, site: ${SITE} }\nmqtt: { url: "${url}" }\ndevices:\n${spec.devicesYaml(farm.ready)}\n`);
  const gateway = await GatewayChild.start(dir, configFile);
  // Peak over the whole life (config load included) and in the measuring window (running).
  let peakRss = 0;
  let windowRss = 0;
  let measuring = false;
  const rssTimer = setInterval(() => {
    try {
      const rss = gateway.rssMb();
      peakRss = Math.max(peakRss, rss);
      if (measuring) windowRss = Math.max(windowRss, rss);
    } catch { /* exited */ }
  }, 250);
  const started = Date.now();
  while (counter.readings < spec.tags && Date.now() - started < 120_000) await new Promise((r) => setTimeout(r, 200));
  const startupS = (Date.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
  const farmAt = async () => {
    const m = await farm.ask('requests') as { requests: number; cpu: NodeJS.CpuUsage };
    return { requests: m.requests, cpu: (m.cpu.user + m.cpu.system) / 1e6 };
  };
  counter.takeP99();
  measuring = true;
  const begin = { cpu: gateway.cpuSeconds(), delivered: counter.readings, farm: await farmAt(), t: performance.now() };
  await new Promise((r) => setTimeout(r, windowS * 1000));
  const end = { cpu: gateway.cpuSeconds(), delivered: counter.readings, farm: await farmAt(), t: performance.now() };
  measuring = false;
  const p99 = counter.takeP99();
  const metrics = await gateway.metrics();
  const totals = await gateway.stop();
  clearInterval(rssTimer);
  await new Promise((r) => setTimeout(r, 1000));
  const elapsed = (end.t - begin.t) / 1000;
  const deliveredPerS = (end.delivered - begin.delivered) / elapsed;
  const lagLines = gateway.logLines().filter((l) => typeof l.msg === 'string' && /falls behind|poll cycle/.test(l.msg));
  const result: CaseResult = {
    name: spec.name, startupS, cores: (end.cpu - begin.cpu) / elapsed, simulatorCores: (end.farm.cpu - begin.farm.cpu) / elapsed, peakRssMb: peakRss, windowRssMb: windowRss,
    offeredPerS: spec.offeredPerS, deliveredPerS,
    requestsRatio: spec.optimalPerS ? (end.farm.requests - begin.farm.requests) / elapsed / (spec.optimalPerS * (deliveredPerS / spec.offeredPerS)) : undefined,
    p99Ms: p99, publishP99S: bucketQuantile(metrics, 'pilothub_gateway_publish_latency_seconds', 0.99), acquired: totals.acquired, delivered: counter.readings, queuedAtExit: totals.queued, duplicates: counter.duplicates,
    dropped: sum(metrics, 'pilothub_gateway_queue_dropped_total'),
    missedCycles: sum(metrics, 'pilothub_gateway_poll_cycles_missed_total'),
    laggingDevices: sum(metrics, 'pilothub_gateway_device_lagging'),
    lagLogLines: lagLines.length, firstLagLine: lagLines[0]?.msg,
  };
  await counter.close();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

async function modbusCase(name: string, ports: number, unitsPerPort: number, pollIntervalMs: number, windowS: number): Promise<CaseResult> {
  const farm = await startFarm('modbus-farm.ts', { ports, unitsPerPort });
  const tags = ports * unitsPerPort * TAGS_PER_UNIT;
  try {
    return await measure({
      name, tags, offeredPerS: (tags * 1000) / pollIntervalMs,
      optimalPerS: (ports * unitsPerPort * OPTIMAL_REQUESTS_PER_UNIT * 1000) / pollIntervalMs,
      devicesYaml: (ready) => modbusDevicesYaml(ready.ports as number[], unitsPerPort, pollIntervalMs),
    }, farm, windowS);
  } finally {
    await farm.stop();
  }
}

async function opcuaCase(name: string, count: number, windowS: number): Promise<CaseResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pilothub-bench-opcua-'));
  const farm = await startFarm('opcua-farm.ts', { count, dataDir });
  try {
    return await measure({
      name, tags: count, offeredPerS: count,
      devicesYaml: (ready) => `  - id: opcua-bench
    name: OPC UA bench server
    protocol: opcua
    endpointUrl: opc.tcp://127.0.0.1:${ready.port as number}
    publishingIntervalMs: 1000
    samplingIntervalMs: 0
    parameters:
${Array.from({ length: count }, (_, i) => `      - { id: v${i}, name: V${i}, nodeId: "ns=1;s=V${i}" }`).join('\n')}`,
    }, farm, windowS);
  } finally {
    await farm.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const CASES: Record<string, () => Promise<CaseResult>> = {
  A: () => modbusCase('A: 10 000 Modbus tags @ 1 Hz', 10, 1, 1000, WINDOW_S),
  B: () => modbusCase('B: 100 000 Modbus tags @ 1 Hz', 25, 4, 1000, WINDOW_S),
  C: () => opcuaCase('C: 10 000 OPC UA items @ 1 Hz', 10_000, WINDOW_S),
  overload: () => modbusCase('overload: 100 000 Modbus tags polled every 250 ms', 25, 4, 250, Math.min(WINDOW_S, 15)),
};
const chosen = process.argv.slice(2).filter((a) => a in CASES);
await GatewayChild.build();
process.stdout.write(`gateway-scale bench: ${RUNS} run(s) per case, warm-up ${WARMUP_S} s, window ${WINDOW_S} s\n`);
for (const key of chosen.length ? chosen : Object.keys(CASES)) {
  const runs: CaseResult[] = [];
  for (let r = 0; r < (key === 'overload' ? 1 : RUNS); r++) runs.push(await CASES[key]!());
  printCase(runs);
}
